// Resampling and pooling: every variant this CPU can run against the scalar reference on random tap tables and
// odd sizes, then the entry points on every ISA. The variants repeat the reference's arithmetic operation for
// operation (a product, then one fma per tap; integer sums for PIL; max), so all comparisons are bit-exact.
// Agreement with torch and PIL themselves is tests/torch_parity's job.
#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/cpu.h"
#include "engine/threads.h"
#include "kernels/resize/resize.h"

using namespace lsam;

namespace {

const int64_t kSizes[] = {1, 3, 7, 15, 16, 17, 64, 160, 255, 320, 1280};

struct Variants {
  Isa isa;
  decltype(&resample_h_f32_ref) h_f32;
  decltype(&resample_v_f32_ref) v_f32;
  decltype(&resample_h_u8_ref) h_u8;
  decltype(&resample_v_u8_ref) v_u8;
  decltype(&maxpool_f32_ref) maxpool;
};

std::vector<Variants> vector_variants() {
  std::vector<Variants> v;
  if (isa_supported(Isa::avx2))
    v.push_back({Isa::avx2, resample_h_f32_avx2, resample_v_f32_avx2, resample_h_u8_avx2, resample_v_u8_avx2,
                 maxpool_f32_avx2});
  if (isa_supported(Isa::avx512))
    v.push_back({Isa::avx512, resample_h_f32_avx512, resample_v_f32_avx512, resample_h_u8_avx512, resample_v_u8_avx512,
                 maxpool_f32_avx512});
  return v;
}

std::vector<float> random_floats(int64_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-4.f, 4.f);
  std::vector<float> v(static_cast<size_t>(n));
  for (float& x : v) x = dist(rng);
  return v;
}

std::vector<uint8_t> random_bytes(int64_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::vector<uint8_t> v(static_cast<size_t>(n));
  for (uint8_t& x : v) x = static_cast<uint8_t>(rng() & 255);
  return v;
}

// A float tap table with arbitrary indices into [0, in) and weights.
struct F32Table {
  std::vector<int32_t> index;
  std::vector<float> weight;
  ResampleAxisF32 axis;
  // Random indices that never decrease along taps or outputs, as resize.h requires of a table: sorted, then
  // dealt output by output. Long outputs get runs that fit the vector kernels' two-vector windows, short ones
  // runs that do not, so both of their paths run.
  F32Table(int64_t in, int64_t out, int taps, unsigned seed) {
    std::mt19937 rng(seed);
    std::vector<int32_t> sorted;
    for (int64_t k = 0; k < taps * out; ++k) sorted.push_back(static_cast<int32_t>(rng() % in));
    std::sort(sorted.begin(), sorted.end());
    index.resize(sorted.size());
    for (int64_t i = 0; i < out; ++i)
      for (int j = 0; j < taps; ++j) index[j * out + i] = sorted[i * taps + j];
    weight = random_floats(taps * out, seed + 1);
    axis = {out, taps, index.data(), weight.data()};
  }
};

// A PIL-style table: count[i] <= taps inputs from first[i], inside [0, in); coefficients past count are 0. Each
// coefficient is in [-2^18, 1.5 * 2^22 / taps), so sums clip at both 0 and 255 without overflowing int32.
struct U8Table {
  std::vector<int32_t> first, count, coeff;
  ResampleAxisU8 axis;
  U8Table(int64_t in, int64_t out, int taps, unsigned seed) {
    std::mt19937 rng(seed);
    coeff.assign(static_cast<size_t>(taps * out), 0);
    for (int64_t i = 0; i < out; ++i) {
      const int n = 1 + static_cast<int>(rng() % std::min<int64_t>(taps, in));
      count.push_back(n);
      first.push_back(static_cast<int32_t>(rng() % (in - n + 1)));
      for (int j = 0; j < n; ++j) coeff[j * out + i] = static_cast<int32_t>(rng() % ((3 << 21) / taps)) - (1 << 18);
    }
    axis = {out, taps, first.data(), count.data(), coeff.data()};
  }
};

}  // namespace

TEST_CASE("float resampling passes: every variant against the reference") {
  for (const Variants& v : vector_variants()) {
    for (int64_t out : kSizes) {
      for (int taps : {1, 2, 5}) {
        const std::string what =
            std::string(isa_name(v.isa)) + " out " + std::to_string(out) + " taps " + std::to_string(taps);
        INFO(what);
        const int64_t in = 37, rows = 3, ld = out + 2;
        const F32Table h(in, out, taps, static_cast<unsigned>(out * 7 + taps));
        const std::vector<float> x = random_floats(rows * in, 5);
        std::vector<float> ref(static_cast<size_t>(rows * ld), -9.f), got = ref;
        resample_h_f32_ref(h.axis, rows, x.data(), in, ref.data(), ld);
        v.h_f32(h.axis, rows, x.data(), in, got.data(), ld);
        CHECK(got == ref);

        const F32Table vt(in, out, taps, static_cast<unsigned>(out * 11 + taps));
        const int64_t width = out;  // the vertical pass's row width, odd sizes included
        const std::vector<float> xv = random_floats(in * (width + 1), 6);
        std::vector<float> vref(static_cast<size_t>(out * ld), -9.f), vgot = vref;
        resample_v_f32_ref(vt.axis, 0, out, width, xv.data(), width + 1, vref.data(), ld);
        v.v_f32(vt.axis, 1, out, width, xv.data(), width + 1, vgot.data(), ld);
        std::fill(vref.begin(), vref.begin() + ld, -9.f);  // row 0 is outside [begin, end)
        CHECK(vgot == vref);
      }
    }
  }
}

TEST_CASE("PIL fixed-point passes: every variant against the reference") {
  for (const Variants& v : vector_variants()) {
    for (int64_t out : kSizes) {
      for (int channels = 1; channels <= 4; ++channels) {
        for (int taps : {3, 5, 9}) {
          const std::string what = std::string(isa_name(v.isa)) + " out " + std::to_string(out) + " channels " +
                                   std::to_string(channels) + " taps " + std::to_string(taps);
          INFO(what);
          const int64_t in = 23, rows = 2, ldx = in * channels + 1, ldy = out * channels + 3;
          const U8Table h(in, out, taps, static_cast<unsigned>(out * 13 + channels * 3 + taps));
          const std::vector<uint8_t> x = random_bytes(rows * ldx, 7);
          std::vector<uint8_t> ref(static_cast<size_t>(rows * ldy), 77), got = ref;
          std::vector<int32_t> scratch(static_cast<size_t>((in + taps) * 4));
          resample_h_u8_ref(h.axis, rows, in, channels, x.data(), ldx, ref.data(), ldy, scratch.data());
          v.h_u8(h.axis, rows, in, channels, x.data(), ldx, got.data(), ldy, scratch.data());
          CHECK(got == ref);
        }
      }
      const int64_t in = 29, width = out * 3, ld = width + 5;
      const U8Table vt(in, out, 5, static_cast<unsigned>(out));
      const std::vector<uint8_t> x = random_bytes(in * ld, 8);
      std::vector<uint8_t> ref(static_cast<size_t>(out * ld), 77), got = ref;
      resample_v_u8_ref(vt.axis, 0, out, width, x.data(), ld, ref.data(), ld);
      v.v_u8(vt.axis, 0, out, width, x.data(), ld, got.data(), ld);
      CHECK(got == ref);
    }
  }
}

TEST_CASE("maxpool: every variant against the reference") {
  struct Pool {
    int kernel, stride, pad;
  };
  for (const Variants& v : vector_variants()) {
    for (int64_t c : kSizes) {
      for (const Pool p : {Pool{5, 1, 2}, Pool{3, 2, 1}, Pool{2, 2, 0}, Pool{1, 1, 0}}) {
        const std::string what = std::string(isa_name(v.isa)) + " c " + std::to_string(c) + " kernel " +
                                 std::to_string(p.kernel) + " stride " + std::to_string(p.stride);
        INFO(what);
        const int64_t n = 2, h = 7, w = 6;
        const PoolShape s{h,
                          w,
                          c,
                          maxpool_out_size(h, p.kernel, p.stride, p.pad),
                          maxpool_out_size(w, p.kernel, p.stride, p.pad),
                          p.kernel,
                          p.stride,
                          p.pad};
        const std::vector<float> x = random_floats(n * h * w * c, static_cast<unsigned>(c));
        std::vector<float> ref(static_cast<size_t>(n * s.out_h * s.out_w * c) + 1, -9.f), got = ref;
        maxpool_f32_ref(s, 0, n * s.out_h, x.data(), ref.data());
        v.maxpool(s, 0, n * s.out_h, x.data(), got.data());
        CHECK(got == ref);  // including the guard element past the end
      }
    }
  }
}

TEST_CASE("resize entry points: every ISA and thread split gives the scalar result") {
  const std::vector<float> x = random_floats(3 * 61 * 47, 9);
  const std::vector<uint8_t> img = random_bytes(61 * 47 * 3, 10);
  const std::vector<float> features = random_floats(2 * 20 * 20 * 24, 11);
  struct Results {
    std::vector<std::vector<float>> floats;
    std::vector<std::vector<uint8_t>> bytes;
  };
  const auto run_all = [&] {
    Results r;
    for (bool aa : {false, true})
      for (auto [oh, ow] : {std::pair<int64_t, int64_t>{250, 190}, {20, 15}, {61, 100}}) {
        r.floats.emplace_back(static_cast<size_t>(3 * oh * ow));
        resize_bilinear_f32(x.data(), 3, 61, 47, r.floats.back().data(), oh, ow, aa);
      }
    for (int channels : {1, 3, 4})
      for (auto [oh, ow] : {std::pair<int64_t, int64_t>{250, 190}, {20, 15}, {61, 100}, {30, 47}}) {
        r.bytes.emplace_back(static_cast<size_t>(oh * ow * channels));
        resize_u8_pil_bilinear(img.data(), 61, 47 * 3 / channels, channels, r.bytes.back().data(), oh, ow);
      }
    r.floats.emplace_back(static_cast<size_t>(2 * 20 * 20 * 24));
    maxpool_f32(features.data(), 2, 20, 20, 24, 5, 1, 2, r.floats.back().data());
    return r;
  };
  const Isa saved = active_isa();
  set_active_isa(Isa::scalar);
  const Results expected = run_all();
  for (Isa isa : {Isa::avx2, Isa::avx512}) {
    if (!isa_supported(isa)) continue;
    const std::string name = isa_name(isa);
    INFO(name);
    set_active_isa(isa);
    const Results got = run_all();
    CHECK(got.floats == expected.floats);
    CHECK(got.bytes == expected.bytes);
  }
  set_active_isa(saved);
}

TEST_CASE("a cropped resize is the corner of the full resize, to the bit") {
  const std::vector<float> x = random_floats(3 * 64 * 48, 12);
  for (bool aa : {false, true})
    for (auto [oh, ow, kh, kw] : {std::array<int64_t, 4>{256, 192, 193, 150}, {256, 192, 256, 1}, {20, 15, 7, 15},
                                  {64, 48, 64, 48}}) {
      std::vector<float> full(static_cast<size_t>(3 * oh * ow)), crop(static_cast<size_t>(3 * kh * kw));
      resize_bilinear_f32(x.data(), 3, 64, 48, full.data(), oh, ow, aa);
      resize_bilinear_crop_f32(x.data(), 3, 64, 48, crop.data(), oh, ow, kh, kw, aa);
      bool same = true;
      for (int64_t c = 0; c < 3; ++c)
        for (int64_t i = 0; i < kh; ++i)
          for (int64_t j = 0; j < kw; ++j) same &= crop[(c * kh + i) * kw + j] == full[(c * oh + i) * ow + j];
      CHECK(same);
    }
  std::vector<float> y(4);
  CHECK_THROWS_AS(resize_bilinear_crop_f32(x.data(), 3, 64, 48, y.data(), 8, 8, 9, 1, false), std::invalid_argument);
}

TEST_CASE("mask post-processing is the crop of one resize, another resize and > 0, to the bit") {
  const std::vector<float> x = random_floats(3 * 40 * 40, 13);
  const Isa saved_isa = active_isa();
  const int saved_threads = num_threads();
  // SAM's shapes scaled down (40 -> 160, cropped to 120 x 160), then a downscale and an upscale, each with
  // bands that end mid-image.
  for (auto [oh, ow] : {std::pair<int64_t, int64_t>{93, 125}, {250, 300}})
    for (Isa isa : {Isa::scalar, Isa::avx2, Isa::avx512}) {
      if (!isa_supported(isa)) continue;
      set_active_isa(isa);
      std::vector<float> crop(3 * 120 * 160), full(static_cast<size_t>(3 * oh * ow));
      resize_bilinear_crop_f32(x.data(), 3, 40, 40, crop.data(), 160, 160, 120, 160, false);
      resize_bilinear_f32(crop.data(), 3, 120, 160, full.data(), oh, ow, false);
      std::vector<uint8_t> want(full.size());
      for (size_t i = 0; i < full.size(); ++i) want[i] = full[i] > 0.0f;
      for (int threads : {1, 2}) {
        set_num_threads(threads);
        std::vector<uint8_t> got(full.size(), 7);
        resize_crop_resize_threshold_u8(x.data(), 3, 40, 40, 160, 160, 120, 160, got.data(), oh, ow);
        INFO(isa_name(isa), ", ", oh, "x", ow, ", ", threads, " threads");
        CHECK(got == want);
      }
    }
  set_active_isa(saved_isa);
  set_num_threads(saved_threads);
  std::vector<uint8_t> y(4);
  CHECK_THROWS_AS(resize_crop_resize_threshold_u8(x.data(), 3, 40, 40, 160, 160, 161, 160, y.data(), 2, 2),
                  std::invalid_argument);
}

TEST_CASE("resize semantics that need no torch") {
  const std::vector<float> x = random_floats(2 * 9 * 13, 11);
  std::vector<float> y(x.size());
  for (bool aa : {false, true}) {
    resize_bilinear_f32(x.data(), 2, 9, 13, y.data(), 9, 13, aa);
    CHECK(y == x);  // same size: weights 1 and 0
  }
  // A constant image stays constant: PIL's fixed-point coefficients sum to 2^22 within a few units, far from
  // moving (v * sum + 2^21) >> 22 off v.
  const std::vector<uint8_t> flat(40 * 30 * 3, 173);
  for (auto [oh, ow] : {std::pair<int64_t, int64_t>{17, 71}, {100, 13}}) {
    std::vector<uint8_t> out(static_cast<size_t>(oh * ow * 3));
    resize_u8_pil_bilinear(flat.data(), 40, 30, 3, out.data(), oh, ow);
    CHECK(std::all_of(out.begin(), out.end(), [](uint8_t b) { return b == 173; }));
  }
  // Nearest x2 repeats every pixel in a 2 x 2 block; the 5 x 5 SPPF pool of a ramp takes the window's corner.
  const std::vector<float> small = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};  // [1, 2, 3, 2] NHWC
  std::vector<float> up(48);
  upsample_nearest_f32(small.data(), 1, 2, 3, 2, 2, up.data());
  for (int64_t oh = 0; oh < 4; ++oh)
    for (int64_t ow = 0; ow < 6; ++ow)
      for (int64_t c = 0; c < 2; ++c) CHECK(up[(oh * 6 + ow) * 2 + c] == small[((oh / 2) * 3 + ow / 2) * 2 + c]);
  std::vector<float> ramp(8 * 8), pooled(8 * 8);
  for (int i = 0; i < 64; ++i) ramp[i] = static_cast<float>(i);
  maxpool_f32(ramp.data(), 1, 8, 8, 1, 5, 1, 2, pooled.data());
  for (int64_t oh = 0; oh < 8; ++oh)
    for (int64_t ow = 0; ow < 8; ++ow)
      CHECK(pooled[oh * 8 + ow] == std::min<int64_t>(oh + 2, 7) * 8 + std::min<int64_t>(ow + 2, 7));
}
