#include "kernels/conv/conv.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "engine/cpu.h"
#include "engine/threads.h"
#include "kernels/conv/conv_kernels.h"

using namespace lsam;

namespace {

std::vector<float> random_floats(std::mt19937& rng, int64_t n, float scale = 1.0f) {
  std::uniform_real_distribution<float> u(-scale, scale);
  std::vector<float> v(static_cast<size_t>(n));
  for (float& x : v) x = u(rng);
  return v;
}

std::vector<float> abs_of(std::vector<float> v) {
  for (float& x : v) x = std::fabs(x);
  return v;
}

std::vector<Isa> supported_isas() {
  std::vector<Isa> isas;
  for (Isa isa : {Isa::scalar, Isa::avx2, Isa::avx512})
    if (isa_supported(isa)) isas.push_back(isa);
  return isas;
}

// Restores the process-wide ISA level when a test case ends.
struct IsaGuard {
  Isa saved = active_isa();
  ~IsaGuard() { set_active_isa(saved); }
};

// The error budget of one output whose reduction has `length` products plus the bias, where
// magnitude = sum |w x| + |b| (the reference run on absolute values):
//  - float accumulation in any order, FMA or not: gamma_{length+1} * magnitude (Higham, "Accuracy and
//    Stability of Numerical Algorithms", 3.1), gamma_n = n u / (1 - n u), u = 2^-24;
//  - scaled by the activation's Lipschitz constant, <= 1.13 (GELU's steepest slope; SiLU 1.1, ReLU 1);
//  - the SIMD GELU / SiLU approximations: <= 4e-7 * (1 + |pre-activation|) <= 4e-7 * (1 + magnitude);
//  - rounding the activation and the residual sum: 2u * (|ref| + |residual|).
// Random data reaches a fraction of this; a wrong tap, channel or offset is off by O(0.1).
double tolerance(int64_t length, double magnitude, double ref, double residual) {
  const double u = std::ldexp(1.0, -24), n = static_cast<double>(length + 1);
  const double gamma = n * u / (1 - n * u);
  return 1.13 * gamma * magnitude + 4e-7 * (1 + magnitude) + 2 * u * (std::fabs(ref) + std::fabs(residual));
}

struct Mismatch {
  int64_t count = 0, first = -1;
  double got = 0, want = 0, tol = 0;
};

Mismatch compare(const std::vector<float>& got, const std::vector<float>& want, const std::vector<float>& magnitude,
                 const std::vector<float>* residual, int64_t length) {
  Mismatch m;
  for (size_t i = 0; i < got.size(); ++i) {
    const double tol = tolerance(length, magnitude[i], want[i], residual ? (*residual)[i] : 0.0);
    if (!(std::fabs(static_cast<double>(got[i]) - want[i]) <= tol)) {  // also catches NaN
      if (m.count++ == 0) m = {1, static_cast<int64_t>(i), got[i], want[i], tol};
    }
  }
  return m;
}

// F(4x4, 3x3)'s matrices, written out here independently of the engine's.
constexpr double kBT[6][6] = {{4, 0, -5, 0, 1, 0},  {0, -4, -4, 1, 1, 0}, {0, 4, -4, -1, 1, 0},
                              {0, -2, -1, 2, 1, 0}, {0, 2, -1, -2, 1, 0}, {0, 4, 0, -5, 0, 1}};
constexpr double kG[6][3] = {{0.25, 0, 0},           {-1.0 / 6, -1.0 / 6, -1.0 / 6}, {-1.0 / 6, 1.0 / 6, -1.0 / 6},
                             {1.0 / 24, 1.0 / 12, 1.0 / 6}, {1.0 / 24, -1.0 / 12, 1.0 / 6}, {0, 0, 1}};
constexpr double kAT[4][6] = {{1, 1, 1, 1, 1, 0}, {0, 1, -1, 2, -2, 0}, {0, 1, 1, 4, 4, 0}, {0, 1, -1, 8, -8, 1}};

// The error budget of a Winograd conv: `magnitude` for the products it actually forms, with every transform
// entry and operand made absolute, |A^T| (sum_ci (|B^T| |d| |B|) (|G| |g| |G^T|)) |A| + |b|. Each output goes
// through at most in_c + 25 roundings (the input transform's two 6-term sums, the weight transform's one,
// the GEMM's in_c terms, the output transform's two 6-term sums and the bias), so gamma_{in_c+25} times it
// bounds the error (Higham 3.5, products of matrices). Random data reaches about 1e-4 of this budget, while
// one wrong entry of G or A^T (tried in a numpy model) overshoots it 30-100x on a third or more of the outputs.
std::vector<float> winograd_magnitude(const Conv2dParams& p, const float* in, int64_t batch, int64_t h, int64_t w,
                                      const float* weight, const float* bias) {
  const int64_t cin = p.in_channels, cout = p.out_channels, th = (h + 3) / 4, tw = (w + 3) / 4;
  std::vector<double> u(static_cast<size_t>(36 * cin * cout));  // [xi][ci][co]
  for (int64_t co = 0; co < cout; ++co)
    for (int64_t ci = 0; ci < cin; ++ci)
      for (int i = 0; i < 6; ++i)
        for (int j = 0; j < 6; ++j) {
          double sum = 0;
          for (int k = 0; k < 3; ++k)
            for (int l = 0; l < 3; ++l)
              sum += std::fabs(kG[i][k] * kG[j][l] * weight[((co * cin + ci) * 3 + k) * 3 + l]);
          u[static_cast<size_t>(((i * 6 + j) * cin + ci) * cout + co)] = sum;
        }
  std::vector<float> magnitude(static_cast<size_t>(batch * h * w * cout));
  std::vector<double> v(static_cast<size_t>(36 * cin)), m(static_cast<size_t>(36 * cout));
  for (int64_t n = 0; n < batch; ++n)
    for (int64_t ty = 0; ty < th; ++ty)
      for (int64_t tx = 0; tx < tw; ++tx) {
        const auto pixel = [&](int k, int l, int64_t ci) {
          const int64_t iy = ty * 4 - 1 + k, ix = tx * 4 - 1 + l;
          return iy >= 0 && iy < h && ix >= 0 && ix < w ? std::fabs(in[((n * h + iy) * w + ix) * cin + ci]) : 0.0;
        };
        for (int i = 0; i < 6; ++i)
          for (int j = 0; j < 6; ++j)
            for (int64_t ci = 0; ci < cin; ++ci) {
              double sum = 0;
              for (int k = 0; k < 6; ++k)
                for (int l = 0; l < 6; ++l) sum += std::fabs(kBT[i][k] * kBT[j][l]) * pixel(k, l, ci);
              v[static_cast<size_t>((i * 6 + j) * cin + ci)] = sum;
            }
        std::fill(m.begin(), m.end(), 0.0);
        for (int xi = 0; xi < 36; ++xi)
          for (int64_t ci = 0; ci < cin; ++ci)
            for (int64_t co = 0; co < cout; ++co)
              m[static_cast<size_t>(xi * cout + co)] +=
                  v[static_cast<size_t>(xi * cin + ci)] * u[static_cast<size_t>((xi * cin + ci) * cout + co)];
        for (int64_t y = ty * 4; y < std::min(h, ty * 4 + 4); ++y)
          for (int64_t x = tx * 4; x < std::min(w, tx * 4 + 4); ++x)
            for (int64_t co = 0; co < cout; ++co) {
              double sum = bias ? std::fabs(bias[co]) : 0.0;
              for (int i = 0; i < 6; ++i)
                for (int j = 0; j < 6; ++j)
                  sum += std::fabs(kAT[y - ty * 4][i] * kAT[x - tx * 4][j]) *
                         m[static_cast<size_t>((i * 6 + j) * cout + co)];
              magnitude[static_cast<size_t>(((n * h + y) * w + x) * cout + co)] = static_cast<float>(sum);
            }
      }
  return magnitude;
}

// What an output's error is measured against: the magnitude of the products the conv's path forms, and how
// many roundings each output goes through.
struct Budget {
  std::vector<float> magnitude;
  int64_t length;
};

Budget budget_for(const Conv2d& conv, int64_t batch, int64_t h, int64_t w, const std::vector<float>& in,
                  const std::vector<float>& weight, const float* bias) {
  const Conv2dParams& p = conv.params();
  if (std::string(conv.path_name()) == "winograd")
    return {winograd_magnitude(p, in.data(), batch, h, w, weight.data(), bias), p.in_channels + 25};
  std::vector<float> magnitude(static_cast<size_t>(batch * conv.out_h(h) * conv.out_w(w) * p.out_channels));
  const std::vector<float> abs_bias = bias ? abs_of(std::vector<float>(bias, bias + p.out_channels)) : std::vector<float>();
  conv2d_f32_ref(p, abs_of(in).data(), batch, h, w, abs_of(weight).data(), bias ? abs_bias.data() : nullptr,
                 Activation::none, nullptr, magnitude.data());
  return {std::move(magnitude), p.in_channels / p.groups * p.kernel_h * p.kernel_w};
}

struct ConvCase {
  Conv2dParams p;
  int64_t batch, h, w;
  bool bias, residual;
  Activation act;
};

std::string describe(const ConvCase& c) {
  const Conv2dParams& p = c.p;
  return std::to_string(p.in_channels) + "->" + std::to_string(p.out_channels) + " k" + std::to_string(p.kernel_h) +
         "x" + std::to_string(p.kernel_w) + " s" + std::to_string(p.stride_h) + "x" + std::to_string(p.stride_w) +
         " p" + std::to_string(p.pad_h) + "x" + std::to_string(p.pad_w) + " g" + std::to_string(p.groups) + " in " +
         std::to_string(c.batch) + "x" + std::to_string(c.h) + "x" + std::to_string(c.w) + (c.bias ? " bias" : "") +
         (c.residual ? " residual" : "") + " act=" + std::to_string(static_cast<int>(c.act));
}

void check_conv(const ConvCase& c, std::mt19937& rng) {
  const Conv2dParams& p = c.p;
  const int64_t length = p.in_channels / p.groups * p.kernel_h * p.kernel_w;  // for the weights' scale
  const int64_t oh = (c.h + 2 * p.pad_h - p.kernel_h) / p.stride_h + 1;
  const int64_t ow = (c.w + 2 * p.pad_w - p.kernel_w) / p.stride_w + 1;
  const int64_t out_n = c.batch * oh * ow * p.out_channels;
  // Weights scaled like PyTorch's init, so outputs are O(1) and the activations see both of their regimes.
  const std::vector<float> in = random_floats(rng, c.batch * c.h * c.w * p.in_channels);
  const std::vector<float> weight =
      random_floats(rng, p.out_channels * length, 1.7f / std::sqrt(static_cast<float>(length)));
  const std::vector<float> bias = random_floats(rng, p.out_channels);
  const std::vector<float> residual = random_floats(rng, out_n);
  const float* b = c.bias ? bias.data() : nullptr;
  const float* res = c.residual ? residual.data() : nullptr;

  std::vector<float> want(out_n);
  conv2d_f32_ref(p, in.data(), c.batch, c.h, c.w, weight.data(), b, c.act, res, want.data());

  // Every path the conv can take: the fast one (Winograd where it applies) and the direct sum.
  IsaGuard guard;
  for (Isa isa : supported_isas()) {
    set_active_isa(isa);
    for (ConvAlgorithm algorithm : {ConvAlgorithm::fast, ConvAlgorithm::direct}) {
      const Conv2d conv(p, weight.data(), b, c.act, isa, algorithm);
      if (algorithm == ConvAlgorithm::direct && std::string(conv.path_name()) != "igemm") continue;  // as fast
      REQUIRE(conv.out_h(c.h) == oh);
      REQUIRE(conv.out_w(c.w) == ow);
      std::vector<float> got(out_n, NAN);
      conv.run(in.data(), c.batch, c.h, c.w, got.data(), res);
      const Budget budget = budget_for(conv, c.batch, c.h, c.w, in, weight, b);
      const Mismatch m = compare(got, want, budget.magnitude, c.residual ? &residual : nullptr, budget.length);
      INFO(describe(c), " isa=", isa_name(isa), " path=", conv.path_name(), ": ", m.count, " mismatches, first at ",
           m.first, ": got ", m.got, " want ", m.want, " tol ", m.tol);
      CHECK(m.count == 0);
    }
  }
}

// Random shapes for one kernel geometry: channels from {1, 3, 5, 16, 17, 64}, sizes from {1, 2, 7, 13, 64};
// activations, bias and residual vary from case to case.
void check_geometry(int64_t k, int64_t stride, int64_t pad, bool depthwise, int64_t groups, int cases,
                    std::mt19937& rng) {
  const int64_t channels[] = {1, 3, 5, 16, 17, 64};
  const int64_t sizes[] = {1, 2, 7, 13, 64};
  const Activation acts[] = {Activation::none, Activation::relu, Activation::gelu, Activation::silu};
  std::uniform_int_distribution<int> pick(0, 1 << 20);
  for (int done = 0, tries = 0; done < cases && tries < 1000; ++tries) {
    ConvCase c;
    const int64_t cin = channels[pick(rng) % 6] * (depthwise ? 1 : groups);
    const int64_t cout = depthwise ? cin : channels[pick(rng) % 6] * groups;
    c.p = {cin, cout, k, k, stride, stride, pad, pad, depthwise ? cin : groups};
    c.batch = 1 + pick(rng) % 2;
    c.h = sizes[pick(rng) % 5];
    c.w = sizes[pick(rng) % 5];
    c.bias = pick(rng) % 2;
    c.residual = pick(rng) % 3 == 0;
    c.act = acts[done % 4];
    const int64_t oh = (c.h + 2 * pad - k) / stride + 1, ow = (c.w + 2 * pad - k) / stride + 1;
    // Skip empty outputs and the cases the double-precision reference would take seconds on.
    if (oh <= 0 || ow <= 0 || c.batch * oh * ow * cout * (cin / c.p.groups) * k * k > 20'000'000) continue;
    check_conv(c, rng);
    ++done;
  }
}

}  // namespace

TEST_CASE("conv 1x1 stride 1 (GEMM path) matches the reference") {
  std::mt19937 rng(1);
  check_geometry(1, 1, 0, false, 1, 24, rng);
}

TEST_CASE("conv 1x1 strided and padded (igemm path) matches the reference") {
  std::mt19937 rng(2);
  check_geometry(1, 2, 0, false, 1, 12, rng);
  check_geometry(1, 1, 1, false, 1, 8, rng);
}

TEST_CASE("conv 3x3 matches the reference") {
  std::mt19937 rng(3);
  check_geometry(3, 1, 1, false, 1, 24, rng);
  check_geometry(3, 2, 1, false, 1, 16, rng);
  check_geometry(3, 1, 0, false, 1, 12, rng);
}

TEST_CASE("conv 3x3 stride 1 (Winograd path) matches the reference within its error budget") {
  std::mt19937 rng(13);
  const int64_t channels[] = {16, 17, 40, 64};
  const int64_t sizes[] = {1, 2, 3, 4, 5, 8, 9, 14};  // every remainder of a side by the 4-pixel tile
  const Activation acts[] = {Activation::none, Activation::relu, Activation::gelu, Activation::silu};
  for (int i = 0; i < 24; ++i) {
    ConvCase c;
    const int64_t cin = channels[rng() % 4], cout = channels[rng() % 4];
    c.p = {cin, cout, 3, 3, 1, 1, 1, 1, 1};
    c.batch = 1 + rng() % 2;
    c.h = sizes[rng() % 8];
    c.w = sizes[rng() % 8];
    c.bias = rng() % 2;
    c.residual = rng() % 3 == 0;
    c.act = acts[i % 4];
    check_conv(c, rng);
  }
  // MobileSAM's neck (256 -> 256, then LayerNorm2d) on a map of 4 x 4 tiles with a short last one.
  check_conv({{256, 256, 3, 3, 1, 1, 1, 1, 1}, 1, 15, 13, false, false, Activation::none}, rng);
}

TEST_CASE("conv Winograd transforms: each ISA's factored form matches the plain matrix products") {
  using Input = void (*)(const WinogradInputArgs&);
  using Output = void (*)(const WinogradOutputArgs&);
  struct Variant {
    Isa isa;
    Input input;
    Output output;
  };
  const Variant variants[] = {{Isa::avx2, winograd_input_f32_avx2, winograd_output_f32_avx2},
                              {Isa::avx512, winograd_input_f32_avx512, winograd_output_f32_avx512}};
  std::mt19937 rng(14);
  // Channel counts with every tail length of both vector widths; rows and columns cut as at the map's edge.
  for (int64_t channels : {1, 7, 8, 9, 16, 21, 35}) {
    const std::vector<float> pixels = random_floats(rng, 36 * channels);
    const float* pixel_ptrs[36];
    for (int k = 0; k < 36; ++k) pixel_ptrs[k] = pixels.data() + k * channels;
    const int64_t stride = channels + 3;  // not a whole vector: unaligned rows
    std::vector<float> want_v(36 * stride, 0.f), got_v(36 * stride, 0.f);
    winograd_input_f32_ref({pixel_ptrs, channels, want_v.data(), stride});
    // The input transform's bound: gamma_12 * (|B^T| |d| |B|) <= 12 u * 100 max|d| (B^T's rows sum to <= 10).
    const double input_tol = 12 * std::ldexp(1.0, -24) * 100;

    const std::vector<float> m = random_floats(rng, 36 * stride);
    const std::vector<float> bias = random_floats(rng, channels);
    const std::vector<float> residual = random_floats(rng, 4 * 4 * channels);
    for (const Variant& v : variants) {
      if (!isa_supported(v.isa)) continue;
      v.input({pixel_ptrs, channels, got_v.data(), stride});
      for (size_t i = 0; i < want_v.size(); ++i) {
        INFO("input transform isa=", isa_name(v.isa), " channels=", channels, " element ", i);
        REQUIRE(std::fabs(got_v[i] - want_v[i]) <= input_tol);
      }
      for (int rows : {4, 1}) {
        for (int cols : {4, 3}) {
          for (Activation act : {Activation::none, Activation::gelu}) {
            std::vector<float> want_y(16 * channels, -7.f), got_y(16 * channels, -7.f);
            WinogradOutputArgs a{m.data(), stride, channels, bias.data(), act, want_y.data(), 4 * channels,
                                 rows, cols, rows == 4 ? residual.data() : nullptr};
            winograd_output_f32_ref(a);
            a.out = got_y.data();
            v.output(a);
            // |A^T| |M| |A| <= 27^2 max|M| (A^T's rows sum to <= 27), 12 roundings, then the activation's
            // approximation and the residual's rounding.
            const double tol = 12 * std::ldexp(1.0, -24) * 27 * 27 * 1.13 + 4e-7 * (1 + 27 * 27 + 1) +
                               2 * std::ldexp(1.0, -24) * 3 * 27 * 27;
            for (size_t i = 0; i < want_y.size(); ++i) {
              INFO("output transform isa=", isa_name(v.isa), " channels=", channels, " rows=", rows, " cols=", cols,
                   " element ", i);
              REQUIRE(std::fabs(got_y[i] - want_y[i]) <= tol);  // untouched pixels stay -7 in both
            }
          }
        }
      }
    }
  }
}

TEST_CASE("conv Winograd path: the same bits at any thread count") {
  std::mt19937 rng(15);
  const Conv2dParams p{48, 40, 3, 3, 1, 1, 1, 1, 1};
  const int64_t batch = 2, h = 37, w = 29;  // 10 x 8 tiles an image: chunks of 8 to 64 tiles, a short last one
  const std::vector<float> in = random_floats(rng, batch * h * w * p.in_channels);
  const std::vector<float> weight = random_floats(rng, p.out_channels * p.in_channels * 9, 0.1f);
  const std::vector<float> bias = random_floats(rng, p.out_channels);
  const Conv2d conv(p, weight.data(), bias.data(), Activation::gelu);
  REQUIRE(std::string(conv.path_name()) == "winograd");
  const int saved = num_threads();
  std::vector<float> first;
  for (int threads : {1, 2, 3, 8}) {
    set_num_threads(threads);
    std::vector<float> out(static_cast<size_t>(batch * h * w * p.out_channels), NAN);
    conv.run(in.data(), batch, h, w, out.data());
    if (first.empty()) first = out;
    INFO(threads, " threads");
    CHECK(std::memcmp(out.data(), first.data(), out.size() * sizeof(float)) == 0);
  }
  set_num_threads(saved);
}

TEST_CASE("conv 2x2 stride 2 (patch merging) matches the reference") {
  std::mt19937 rng(4);
  check_geometry(2, 2, 0, false, 1, 16, rng);
}

TEST_CASE("conv depthwise 3x3 (direct path) matches the reference") {
  std::mt19937 rng(5);
  check_geometry(3, 1, 1, true, 1, 24, rng);
  check_geometry(3, 2, 1, true, 1, 24, rng);
}

// The row entry behind fused pipelines: rows from anywhere (copies here), any run of columns, and a map
// cropped to a strip of columns, as long as the computed columns' taps stay inside the strip or reach the
// map's real edge. Same kernel as the whole-map run, so the results must be bit-identical.
TEST_CASE("conv depthwise 3x3 rows: row pointers, column runs and column strips give the whole map's output") {
  std::mt19937 rng(9);
  IsaGuard guard;
  for (Isa isa : supported_isas()) {
    set_active_isa(isa);
    for (int trial = 0; trial < 12; ++trial) {
      const int64_t C = 1 + static_cast<int64_t>(rng() % 40), h = 1 + static_cast<int64_t>(rng() % 7);
      const int64_t w = 1 + static_cast<int64_t>(rng() % 30), S = 1 + trial % 2;
      const Conv2d conv({C, C, 3, 3, S, S, 1, 1, C}, random_floats(rng, 9 * C).data(), random_floats(rng, C).data(),
                        trial % 3 == 0 ? Activation::gelu : Activation::none);
      const std::vector<float> in = random_floats(rng, h * w * C);
      const int64_t oh = conv.out_h(h), ow = conv.out_w(w);
      std::vector<float> want(static_cast<size_t>(oh * ow * C));
      conv.run(in.data(), 1, h, w, want.data());
      // Output columns [ox0, ox1) from input columns [c0, c1): the strip the inverted bottleneck expands.
      const int64_t ox0 = static_cast<int64_t>(rng() % ow), ox1 = ox0 + 1 + static_cast<int64_t>(rng() % (ow - ox0));
      const int64_t c0 = std::max<int64_t>(0, S * (ox0 - 1)), c1 = std::min(w, S * (ox1 - 1) + 2), cols = c1 - c0;
      const std::vector<float> zeros(static_cast<size_t>(cols * C), 0.0f);
      for (int64_t oy = 0; oy < oh; ++oy) {
        std::vector<float> rows[3];
        const float* taps[3];
        for (int ky = 0; ky < 3; ++ky) {
          const int64_t iy = oy * S - 1 + ky;
          if (iy < 0 || iy >= h) {
            taps[ky] = zeros.data();
            continue;
          }
          rows[ky].assign(in.begin() + (iy * w + c0) * C, in.begin() + (iy * w + c1) * C);
          taps[ky] = rows[ky].data();
        }
        std::vector<float> got(static_cast<size_t>((ox1 - ox0) * C));
        conv.run_depthwise_row(taps, cols, ox0 - c0 / S, ox1 - c0 / S, got.data());
        INFO("isa=", isa_name(isa), " C=", C, " h=", h, " w=", w, " stride=", S, " columns ", ox0, "..", ox1);
        CHECK(std::memcmp(got.data(), want.data() + (oy * ow + ox0) * C, got.size() * sizeof(float)) == 0);
      }
    }
  }
  const std::vector<float> weight(9 * 8, 0.1f), zeros(8 * 8, 0.0f);
  const float* taps[3] = {zeros.data(), zeros.data(), zeros.data()};
  std::vector<float> out(8 * 8);
  const Conv2d depthwise({8, 8, 3, 3, 1, 1, 1, 1, 8}, weight.data(), nullptr, Activation::none);
  CHECK_THROWS_AS(depthwise.run_depthwise_row(taps, 8, 2, 9, out.data()), std::invalid_argument);
  CHECK_THROWS_AS(depthwise.run_depthwise_row(taps, 8, 3, 2, out.data()), std::invalid_argument);
  const Conv2d dense({8, 8, 3, 3, 1, 1, 1, 1, 1}, std::vector<float>(9 * 64, 0.1f).data(), nullptr, Activation::none);
  CHECK_THROWS_AS(dense.run_depthwise_row(taps, 8, 0, 8, out.data()), std::logic_error);
}

TEST_CASE("conv grouped (igemm per group) matches the reference") {
  std::mt19937 rng(6);
  check_geometry(3, 1, 1, false, 2, 12, rng);
  check_geometry(1, 1, 0, false, 2, 6, rng);
  check_geometry(3, 1, 0, true, 1, 8, rng);  // depthwise, but unpadded: not the direct kernel's case
  check_geometry(5, 2, 2, true, 1, 8, rng);
}

TEST_CASE("conv at MobileSAM's channel counts matches the reference") {
  std::mt19937 rng(7);
  // Stem (Cin 3, K = 27), MBConv depthwise with GELU, a neck-like 3x3 with a long reduction, and an MBConv
  // projection with its residual.
  check_conv({{3, 32, 3, 3, 2, 2, 1, 1, 1}, 1, 33, 31, true, false, Activation::gelu}, rng);
  check_conv({{96, 96, 3, 3, 1, 1, 1, 1, 96}, 1, 19, 21, true, true, Activation::gelu}, rng);
  check_conv({{160, 160, 3, 3, 2, 2, 1, 1, 160}, 1, 18, 17, true, false, Activation::gelu}, rng);
  check_conv({{128, 96, 3, 3, 1, 1, 1, 1, 1}, 1, 9, 11, false, false, Activation::none}, rng);
  check_conv({{256, 64, 1, 1, 1, 1, 0, 0, 1}, 2, 9, 7, true, true, Activation::none}, rng);
}

TEST_CASE("conv residual may alias the output") {
  std::mt19937 rng(8);
  IsaGuard guard;
  for (const Conv2dParams& p : {Conv2dParams{16, 24, 1, 1, 1, 1, 0, 0, 1}, Conv2dParams{24, 24, 3, 3, 1, 1, 1, 1, 24},
                                Conv2dParams{16, 24, 3, 3, 1, 1, 1, 1, 1}}) {
    const int64_t h = 9, w = 10, length = p.in_channels / p.groups * p.kernel_h * p.kernel_w;  // weights' scale
    const std::vector<float> in = random_floats(rng, h * w * p.in_channels);
    const std::vector<float> weight = random_floats(rng, p.out_channels * length, 0.3f);
    const std::vector<float> residual = random_floats(rng, h * w * p.out_channels);
    std::vector<float> want(residual.size());
    conv2d_f32_ref(p, in.data(), 1, h, w, weight.data(), nullptr, Activation::relu, residual.data(), want.data());
    for (Isa isa : supported_isas()) {
      set_active_isa(isa);
      std::vector<float> out = residual;
      const Conv2d conv(p, weight.data(), nullptr, Activation::relu);
      conv.run(in.data(), 1, h, w, out.data(), out.data());
      const Budget budget = budget_for(conv, 1, h, w, in, weight, nullptr);
      INFO("groups=", p.groups, " k=", p.kernel_h, " path=", conv.path_name(), " isa=", isa_name(isa));
      CHECK(compare(out, want, budget.magnitude, &residual, budget.length).count == 0);
    }
  }
}

TEST_CASE("conv rejects inconsistent parameters and inputs") {
  const std::vector<float> weight(64, 0.0f);
  CHECK_THROWS_AS(Conv2d({3, 4, 3, 3, 1, 1, 1, 1, 2}, weight.data(), nullptr, Activation::none), std::invalid_argument);
  CHECK_THROWS_AS(Conv2d({4, 4, 3, 3, 0, 1, 1, 1, 1}, weight.data(), nullptr, Activation::none), std::invalid_argument);
  const Conv2d conv({1, 1, 3, 3, 1, 1, 0, 0, 1}, weight.data(), nullptr, Activation::none);
  float x[4] = {}, y[4] = {};
  CHECK_THROWS_AS(conv.run(x, 1, 2, 2, y), std::invalid_argument);
}

TEST_CASE("conv BatchNorm folding matches conv followed by BatchNorm") {
  std::mt19937 rng(9);
  const Conv2dParams p{5, 17, 3, 3, 1, 1, 1, 1, 1};
  const int64_t h = 7, w = 6, length = 5 * 9, out_n = h * w * 17;
  const std::vector<float> in = random_floats(rng, h * w * 5);
  const std::vector<float> weight = random_floats(rng, 17 * length, 0.3f);
  const std::vector<float> conv_bias = random_floats(rng, 17);
  std::vector<float> gamma = random_floats(rng, 17), beta = random_floats(rng, 17), mean = random_floats(rng, 17);
  std::vector<float> var = abs_of(random_floats(rng, 17, 2.0f));
  var[3] = 0.0f;  // a dead channel: eps alone keeps it finite
  const double eps = 1e-5;
  for (bool has_bias : {false, true}) {
    // Unfolded: conv (double accumulation), then BN in double.
    std::vector<float> y(out_n);
    conv2d_f32_ref(p, in.data(), 1, h, w, weight.data(), has_bias ? conv_bias.data() : nullptr, Activation::none,
                   nullptr, y.data());
    std::vector<float> want(out_n);
    for (int64_t i = 0; i < out_n; ++i) {
      const int64_t c = i % 17;
      want[i] =
          static_cast<float>((y[i] - static_cast<double>(mean[c])) / std::sqrt(var[c] + eps) * gamma[c] + beta[c]);
    }
    std::vector<float> folded = weight, bias(17, NAN);
    fold_batchnorm(17, length, folded.data(), has_bias ? conv_bias.data() : nullptr, bias.data(), gamma.data(),
                   beta.data(), mean.data(), var.data(), eps);
    // The exact formula, rounded once.
    const double s3 = gamma[3] / std::sqrt(var[3] + eps);
    CHECK(folded[3 * length + 7] == static_cast<float>(weight[3 * length + 7] * s3));
    CHECK(bias[3] == static_cast<float>(((has_bias ? conv_bias[3] : 0.0) - mean[3]) * s3 + beta[3]));

    std::vector<float> got(out_n), magnitude(out_n);
    conv2d_f32_ref(p, in.data(), 1, h, w, folded.data(), bias.data(), Activation::none, nullptr, got.data());
    conv2d_f32_ref(p, abs_of(in).data(), 1, h, w, abs_of(folded).data(), abs_of(bias).data(), Activation::none, nullptr,
                   magnitude.data());
    // Rounding each folded weight and y in float: one more u * magnitude, two more of |want|, inside the budget.
    INFO("bias=", has_bias);
    CHECK(compare(got, want, magnitude, nullptr, length + 3).count == 0);
  }
}

TEST_CASE("conv transpose 2x2 stride 2 matches the reference") {
  std::mt19937 rng(10);
  IsaGuard guard;
  struct Shape {
    int64_t cin, cout, batch, h, w;
    bool bias;
    Activation act;
  };
  for (const Shape& s :
       {Shape{1, 1, 1, 1, 1, true, Activation::none}, Shape{5, 3, 2, 3, 7, false, Activation::gelu},
        Shape{17, 16, 1, 13, 2, true, Activation::relu}, Shape{64, 17, 1, 7, 9, true, Activation::silu},
        Shape{256, 64, 1, 6, 5, true, Activation::none}, Shape{64, 32, 2, 4, 4, true, Activation::gelu}}) {
    const std::vector<float> in = random_floats(rng, s.batch * s.h * s.w * s.cin);
    const std::vector<float> weight = random_floats(rng, s.cin * s.cout * 4, 1.0f / std::sqrt(float(s.cin)));
    const std::vector<float> bias = random_floats(rng, s.cout);
    const float* b = s.bias ? bias.data() : nullptr;
    const int64_t out_n = s.batch * 4 * s.h * s.w * s.cout;
    std::vector<float> want(out_n), magnitude(out_n);
    conv_transpose2x2_f32_ref(s.cin, s.cout, in.data(), s.batch, s.h, s.w, weight.data(), b, s.act, want.data());
    const std::vector<float> abs_bias = abs_of(bias);
    conv_transpose2x2_f32_ref(s.cin, s.cout, abs_of(in).data(), s.batch, s.h, s.w, abs_of(weight).data(),
                              s.bias ? abs_bias.data() : nullptr, Activation::none, magnitude.data());
    for (Isa isa : supported_isas()) {
      set_active_isa(isa);
      const ConvTranspose2x2 op(s.cin, s.cout, weight.data(), b, s.act);
      std::vector<float> got(out_n, NAN);
      op.run(in.data(), s.batch, s.h, s.w, got.data());
      const Mismatch m = compare(got, want, magnitude, nullptr, s.cin);
      INFO(s.cin, "->", s.cout, " in ", s.batch, "x", s.h, "x", s.w, " isa=", isa_name(isa), ": ", m.count,
           " mismatches, first at ", m.first, ": got ", m.got, " want ", m.want);
      CHECK(m.count == 0);
    }
  }
}
