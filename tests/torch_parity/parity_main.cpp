// Kernel parity against torch 1.13 and Pillow 9.4: runs the cases gen_kernels.py wrote through the engine's
// entry points, on every ISA this CPU supports, and compares.
//
// usage: lsam_kernel_parity DIR
//
// Limits, as max |ours - theirs| / max(1, |theirs|) per element (so: absolute below 1, relative above):
//  - layernorm 1e-5: both sides sum <= 1280 floats in different orders (torch: Welford, cascaded), ~1e-6;
//  - softmax 1e-6: both round x - max to float and use ~1 ulp exponentials; outputs are <= 1;
//  - activations 1e-6: GELU and SiLU within ~2 ulp of exact on our side; torch's own erf is within 1.5e-7;
//  - bilinear 1e-5: same indices and weights as torch, differences are the rounding of one fma per tap;
//  - PIL 0: the same integer arithmetic, bit for bit.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "engine/cpu.h"
#include "kernels/eltwise/eltwise.h"
#include "kernels/norm/norm.h"
#include "kernels/resize/resize.h"
#include "tests/npy.h"

using namespace lsam;

namespace {

int g_failures = 0;

struct Case {
  std::string op, name;
  std::map<std::string, std::string> params;
  std::string dir;

  test::NpyArray array(const std::string& key) const { return test::read_npy(dir + "/" + name + "." + key + ".npy"); }
  std::vector<float> floats(const std::string& key) const {
    const test::NpyArray a = array(key);
    std::vector<float> v(static_cast<size_t>(a.numel()));
    std::memcpy(v.data(), a.bytes.data(), a.bytes.size());
    return v;
  }
  const std::string& param(const std::string& key) const { return params.at(key); }
};

double max_scaled_diff(const std::vector<float>& ours, const std::vector<float>& ref) {
  if (ours.size() != ref.size()) return INFINITY;
  double worst = 0;
  for (size_t i = 0; i < ref.size(); ++i) {
    const double d =
        std::fabs(static_cast<double>(ours[i]) - ref[i]) / std::max(1.0, std::fabs(static_cast<double>(ref[i])));
    worst = std::max(worst, std::isnan(d) && !(std::isnan(ours[i]) && std::isnan(ref[i])) ? INFINITY
                            : std::isnan(d)                                               ? 0
                                                                                          : d);
  }
  return worst;
}

void report(const Case& c, Isa isa, double diff, double limit) {
  const bool ok = diff <= limit;
  if (!ok) ++g_failures;
  std::printf("%-4s %-10s %-44s %-7s max diff %.3g (limit %.3g)\n", ok ? "ok" : "FAIL", c.op.c_str(), c.name.c_str(),
              isa_name(isa), diff, limit);
}

void check_layernorm(const Case& c, Isa isa, bool nchw) {
  std::vector<float> x = c.floats("x"), ref = c.floats("y");
  const std::vector<float> gamma = c.floats("gamma"), beta = c.floats("beta");
  const auto dim = static_cast<int64_t>(gamma.size()), rows = static_cast<int64_t>(x.size()) / dim;
  const float eps = std::stof(c.param("eps"));
  // SAM's LayerNorm2d on NCHW [1, C, H, W] is a LayerNorm over the channels of the NHWC tensor.
  const auto to_nhwc = [&](std::vector<float>& v) {
    std::vector<float> t(v.size());
    for (int64_t ch = 0; ch < dim; ++ch)
      for (int64_t p = 0; p < rows; ++p) t[static_cast<size_t>(p * dim + ch)] = v[static_cast<size_t>(ch * rows + p)];
    v.swap(t);
  };
  if (nchw) {
    to_nhwc(x);
    to_nhwc(ref);
  }
  std::vector<float> y(x.size());
  layernorm_f32(rows, dim, x.data(), dim, gamma.data(), beta.data(), eps, y.data(), dim);
  report(c, isa, max_scaled_diff(y, ref), 1e-5);
}

void check_softmax(const Case& c, Isa isa) {
  const test::NpyArray xa = c.array("x");
  const std::vector<float> x = c.floats("x"), ref = c.floats("y");
  const int64_t dim = xa.shape.back(), rows = xa.numel() / dim;
  std::vector<float> y(x.size());
  softmax_f32(rows, dim, x.data(), dim, y.data(), dim);
  report(c, isa, max_scaled_diff(y, ref), 1e-6);
}

void check_activation(const Case& c, Isa isa) {
  const std::vector<float> x = c.floats("x"), ref = c.floats("y");
  const std::string& name = c.param("act");
  const Activation act = name == "gelu" ? Activation::gelu : name == "silu" ? Activation::silu : Activation::relu;
  std::vector<float> y(x.size());
  activation_f32(act, static_cast<int64_t>(x.size()), x.data(), y.data());
  report(c, isa, max_scaled_diff(y, ref), act == Activation::relu ? 0.0 : 1e-6);
}

void check_bilinear(const Case& c, Isa isa) {
  const test::NpyArray xa = c.array("x"), ya = c.array("y");
  const std::vector<float> x = c.floats("x"), ref = c.floats("y");
  const int64_t channels = xa.shape[0], h = xa.shape[1], w = xa.shape[2];
  const int64_t crop_h = std::stoll(c.param("crop_h")), crop_w = std::stoll(c.param("crop_w"));
  std::vector<float> crop(static_cast<size_t>(channels * crop_h * crop_w));
  for (int64_t ch = 0; ch < channels; ++ch)
    for (int64_t r = 0; r < crop_h; ++r)
      std::memcpy(&crop[static_cast<size_t>((ch * crop_h + r) * crop_w)], &x[static_cast<size_t>((ch * h + r) * w)],
                  static_cast<size_t>(crop_w) * sizeof(float));
  std::vector<float> y(ref.size());
  resize_bilinear_f32(crop.data(), channels, crop_h, crop_w, y.data(), ya.shape[1], ya.shape[2],
                      c.param("antialias") == "1");
  report(c, isa, max_scaled_diff(y, ref), 1e-5);
}

void check_pil(const Case& c, Isa isa) {
  const test::NpyArray xa = c.array("x"), ya = c.array("y");
  std::vector<uint8_t> y(ya.bytes.size());
  resize_u8_pil_bilinear(xa.bytes.data(), xa.shape[0], xa.shape[1], static_cast<int>(xa.shape[2]), y.data(),
                         ya.shape[0], ya.shape[1]);
  int worst = 0;
  for (size_t i = 0; i < y.size(); ++i) worst = std::max(worst, std::abs(y[i] - ya.bytes[i]));
  report(c, isa, worst, 0);
}

// write_npy then read_npy, for every dtype, before trusting the reader with the cases.
void check_npy_round_trip(const std::string& dir) {
  const uint8_t bytes[24] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24};
  for (DType d : {DType::f32, DType::f16, DType::u8, DType::s8, DType::s32, DType::s64}) {
    const std::vector<int64_t> shape = {3, static_cast<int64_t>(8 / dtype_size(d))};
    const std::string path = dir + "/round_trip.npy";
    test::write_npy(path, d, shape, bytes);
    const test::NpyArray a = test::read_npy(path);
    const bool ok = a.dtype == d && a.shape == shape && std::memcmp(a.bytes.data(), bytes, a.bytes.size()) == 0;
    if (!ok) ++g_failures;
    std::printf("%-4s npy round trip %s\n", ok ? "ok" : "FAIL", dtype_name(d));
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s DIR (written by gen_kernels.py)\n", argv[0]);
    return 2;
  }
  const std::string dir = argv[1];
  check_npy_round_trip(dir);
  std::ifstream manifest(dir + "/manifest.txt");
  if (!manifest) {
    std::fprintf(stderr, "%s/manifest.txt: cannot open\n", dir.c_str());
    return 2;
  }
  int cases = 0;
  for (std::string line; std::getline(manifest, line);) {
    if (line.empty()) continue;
    Case c;
    c.dir = dir;
    std::istringstream words(line);
    words >> c.op >> c.name;
    for (std::string kv; words >> kv;) c.params[kv.substr(0, kv.find('='))] = kv.substr(kv.find('=') + 1);
    ++cases;
    for (Isa isa : {Isa::scalar, Isa::avx2, Isa::avx512}) {
      if (!isa_supported(isa)) continue;
      set_active_isa(isa);
      if (c.op == "layernorm" || c.op == "layernorm2d")
        check_layernorm(c, isa, c.op == "layernorm2d");
      else if (c.op == "softmax")
        check_softmax(c, isa);
      else if (c.op == "activation")
        check_activation(c, isa);
      else if (c.op == "bilinear")
        check_bilinear(c, isa);
      else if (c.op == "pil")
        check_pil(c, isa);
      else {
        std::printf("FAIL unknown op %s\n", c.op.c_str());
        ++g_failures;
      }
    }
  }
  std::printf("%d cases, %d failures\n", cases, g_failures);
  return g_failures == 0 && cases > 0 ? 0 : 1;
}
