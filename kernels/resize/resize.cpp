// torch's bilinear interpolation: tap tables in torch 1.13's arithmetic (aten/src/ATen/native/UpSample.h and
// cpu/UpSampleKernel.cpp), then a horizontal pass over the input rows and a vertical pass, as torch's
// separable kernels order them, a band of output rows at a time.
#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "engine/cpu.h"
#include "engine/profiler.h"
#include "engine/threads.h"
#include "kernels/resize/resize.h"

namespace lsam {
namespace {

struct AxisTable {
  int taps;
  std::vector<int32_t> index;  // [taps][out]
  std::vector<float> weight;   // [taps][out]

  AxisTable(int taps_, int64_t out)
      : taps(taps_), index(static_cast<size_t>(taps_ * out)), weight(static_cast<size_t>(taps_ * out)) {}
  ResampleAxisF32 view(int64_t out) const { return {out, taps, index.data(), weight.data()}; }

  // The table of the first `keep` of this table's `out` outputs.
  AxisTable first(int64_t out, int64_t keep) const {
    AxisTable t(taps, keep);
    for (int j = 0; j < taps; ++j) {
      std::copy_n(index.begin() + j * out, keep, t.index.begin() + j * keep);
      std::copy_n(weight.begin() + j * out, keep, t.weight.begin() + j * keep);
    }
    return t;
  }
  // Input positions [0, rows_read()) hold every tap: the last tap of the last output (tables are monotone,
  // resize.h).
  int64_t rows_read() const { return index.empty() ? 0 : index.back() + 1; }
};

// Non-antialiased (upsample_bilinear2d): source coordinate s = scale * (i + 0.5) - 0.5 clamped at 0, with
// scale = in / out rounded to float but s kept in double (measured against torch 1.13: rounding s to float
// moves the weights by up to an ulp of s, 3e-5 at s ~ 600). Taps floor(s) and the next pixel (the same one at
// the last pixel), weighted 1 - frac(s) and frac(s), both floats.
AxisTable linear_axis(int64_t in, int64_t out) {
  const float scale = static_cast<float>(in) / static_cast<float>(out);
  AxisTable t(2, out);
  for (int64_t i = 0; i < out; ++i) {
    const double s = std::max(0.0, scale * (static_cast<double>(i) + 0.5) - 0.5);
    const auto i0 = static_cast<int32_t>(s);
    const auto frac = static_cast<float>(s - i0);
    t.index[i] = i0;
    t.index[out + i] = i0 + (i0 < in - 1 ? 1 : 0);
    t.weight[i] = 1.f - frac;
    t.weight[out + i] = frac;
  }
  return t;
}

// Antialiased (_upsample_bilinear2d_aa, _compute_weights_aa): a triangle of support max(scale, 1) centred on
// scale * (i + 0.5), weights normalised to sum 1 over the inputs inside the image. Mixed float and double
// exactly where torch mixes them; the taps are as many as the widest output needs.
AxisTable antialias_axis(int64_t in, int64_t out) {
  const float scale = static_cast<float>(in) / static_cast<float>(out);
  const float support = scale >= 1.f ? scale : 1.f;
  const float invscale = scale >= 1.f ? static_cast<float>(1.0 / scale) : 1.f;
  const auto triangle = [](float x) { return std::fabs(x) < 1.f ? 1.f - std::fabs(x) : 0.f; };
  std::vector<int64_t> first(static_cast<size_t>(out)), size(static_cast<size_t>(out));
  for (int64_t i = 0; i < out; ++i) {
    const float center = static_cast<float>(scale * (static_cast<double>(i) + 0.5));
    first[i] = std::max<int64_t>(static_cast<int64_t>(center - support + 0.5), 0);
    size[i] = std::min<int64_t>(static_cast<int64_t>(center + support + 0.5), in) - first[i];
  }
  AxisTable t(static_cast<int>(*std::max_element(size.begin(), size.end())), out);
  for (int64_t i = 0; i < out; ++i) {
    const float center = static_cast<float>(scale * (static_cast<double>(i) + 0.5));
    float total = 0.f;
    for (int64_t j = 0; j < size[i]; ++j) {
      const double x = static_cast<double>(static_cast<float>(j + first[i]) - center) + 0.5;
      t.weight[j * out + i] = triangle(static_cast<float>(x * invscale));
      total += t.weight[j * out + i];
    }
    for (int64_t j = 0; j < t.taps; ++j) {  // unused taps keep weight 0 and repeat the last index
      t.index[j * out + i] = static_cast<int32_t>(first[i] + std::min(j, size[i] - 1));
      if (j < size[i] && total != 0.f) t.weight[j * out + i] /= total;
    }
  }
  return t;
}

// One torch bilinear resize with its tap tables built once, computing any band of its kept output rows from
// the input rows that band reads: a horizontal pass over just those rows into a thread's buffer (which stays
// in L2 for the vertical pass) and the vertical pass. Input rows shared by two bands are filtered twice, the
// same values both times, so results do not depend on the banding.
class BandResize {
 public:
  static constexpr int64_t kBand = 32;  // output rows per band: ~140 KB of buffer for SAM's masks

  BandResize(int64_t in_h, int64_t in_w, int64_t out_h, int64_t out_w, int64_t keep_h, int64_t keep_w,
             bool antialias)
      : in_w_(in_w),
        keep_h_(keep_h),
        keep_w_(keep_w),
        ht_((antialias ? antialias_axis(in_w, out_w) : linear_axis(in_w, out_w)).first(out_w, keep_w)),
        vt_((antialias ? antialias_axis(in_h, out_h) : linear_axis(in_h, out_h)).first(out_h, keep_h)),
        h_pass_(pick_variant(resample_h_f32_ref, resample_h_f32_avx2, resample_h_f32_avx512)),
        v_pass_(pick_variant(resample_v_f32_ref, resample_v_f32_avx2, resample_v_f32_avx512)) {}

  // The input rows [first, last) that output rows [i0, i0 + n) read: from the first output's first tap to the
  // last output's last (tables are monotone, resize.h).
  std::pair<int64_t, int64_t> reads(int64_t i0, int64_t n) const {
    return {vt_.index[i0], vt_.index[(vt_.taps - 1) * keep_h_ + i0 + n - 1] + 1};
  }
  int64_t rows_read() const { return vt_.rows_read(); }
  double flops(int64_t in_rows, int64_t out_rows) const {
    return 2.0 * static_cast<double>(keep_w_) * (static_cast<double>(in_rows) * ht_.taps + static_cast<double>(out_rows) * vt_.taps);
  }

  // A thread's buffers for band().
  struct Scratch {
    explicit Scratch(const BandResize& r) : taps(r.vt_.taps, kBand) {}
    std::vector<float> rows_h;
    AxisTable taps;  // the band's vertical taps, indices relative to its first input row
  };

  // Output rows [i0, i0 + n), n <= kBand, into y (row stride ldy), from x holding input rows x_first
  // onwards (row stride in_w), at least those the band reads.
  void band(int64_t i0, int64_t n, const float* x, int64_t x_first, float* y, int64_t ldy, Scratch& s) const {
    const auto [lo, hi] = reads(i0, n);
    for (int j = 0; j < vt_.taps; ++j)
      for (int64_t i = 0; i < n; ++i) {
        s.taps.index[j * n + i] = static_cast<int32_t>(vt_.index[j * keep_h_ + i0 + i] - lo);
        s.taps.weight[j * n + i] = vt_.weight[j * keep_h_ + i0 + i];
      }
    s.rows_h.resize(static_cast<size_t>((hi - lo) * keep_w_));
    h_pass_(ht_.view(keep_w_), hi - lo, x + (lo - x_first) * in_w_, in_w_, s.rows_h.data(), keep_w_);
    v_pass_(s.taps.view(n), 0, n, keep_w_, s.rows_h.data(), keep_w_, y, ldy);
  }

 private:
  int64_t in_w_, keep_h_, keep_w_;
  AxisTable ht_, vt_;
  decltype(&resample_h_f32_ref) h_pass_;
  decltype(&resample_v_f32_ref) v_pass_;
};

void check_sizes(const char* op, int64_t channels, int64_t in_h, int64_t in_w, int64_t out_h, int64_t out_w,
                 int64_t keep_h, int64_t keep_w) {
  if (channels < 1 || in_h < 1 || in_w < 1 || out_h < 1 || out_w < 1 || keep_h < 1 || keep_w < 1 ||
      keep_h > out_h || keep_w > out_w || std::max({in_h, in_w, out_h, out_w}) > (1 << 30))
    throw std::invalid_argument(std::string(op) + ": bad sizes " + std::to_string(in_h) + "x" + std::to_string(in_w) +
                                " -> " + std::to_string(out_h) + "x" + std::to_string(out_w) + " keeping " +
                                std::to_string(keep_h) + "x" + std::to_string(keep_w));
}

}  // namespace

void resize_bilinear_f32(const float* x, int64_t channels, int64_t in_h, int64_t in_w, float* y, int64_t out_h,
                         int64_t out_w, bool antialias) {
  resize_bilinear_crop_f32(x, channels, in_h, in_w, y, out_h, out_w, out_h, out_w, antialias);
}

void resize_bilinear_crop_f32(const float* x, int64_t channels, int64_t in_h, int64_t in_w, float* y, int64_t out_h,
                              int64_t out_w, int64_t keep_h, int64_t keep_w, bool antialias) {
  check_sizes("resize_bilinear_f32", channels, in_h, in_w, out_h, out_w, keep_h, keep_w);
  const BandResize resize(in_h, in_w, out_h, out_w, keep_h, keep_w, antialias);
  LSAM_PROFILE("resize_bilinear", channels * resize.flops(resize.rows_read(), keep_h),
               4.0 * static_cast<double>(channels) * static_cast<double>(resize.rows_read() * in_w + keep_h * keep_w));
  const int64_t min_rows = std::max<int64_t>(1, 16384 / keep_w);  // ~16K outputs per thread at least
  parallel_for(channels * keep_h, min_rows, [&](int64_t b, int64_t e) {
    BandResize::Scratch scratch(resize);
    while (b < e) {
      const int64_t c = b / keep_h, i0 = b - c * keep_h, n = std::min({e - b, BandResize::kBand, keep_h - i0});
      resize.band(i0, n, x + c * in_h * in_w, 0, y + (c * keep_h + i0) * keep_w, keep_w, scratch);
      b += n;
    }
  });
}

void resize_crop_resize_threshold_u8(const float* x, int64_t channels, int64_t in_h, int64_t in_w, int64_t mid_h,
                                     int64_t mid_w, int64_t keep_h, int64_t keep_w, uint8_t* y, int64_t out_h,
                                     int64_t out_w) {
  check_sizes("resize_crop_resize_threshold_u8", channels, in_h, in_w, mid_h, mid_w, keep_h, keep_w);
  check_sizes("resize_crop_resize_threshold_u8", channels, keep_h, keep_w, out_h, out_w, out_h, out_w);
  const BandResize first(in_h, in_w, mid_h, mid_w, keep_h, keep_w, false);
  const BandResize second(keep_h, keep_w, out_h, out_w, out_h, out_w, false);
  LSAM_PROFILE("mask_postprocess",
               channels * (first.flops(first.rows_read(), keep_h) + second.flops(keep_h, out_h) + out_h * out_w),
               static_cast<double>(channels) * static_cast<double>(4 * in_h * in_w + out_h * out_w));
  const int64_t min_rows = std::max<int64_t>(1, 16384 / out_w);
  parallel_for(channels * out_h, min_rows, [&](int64_t b, int64_t e) {
    BandResize::Scratch first_scratch(first), second_scratch(second);
    std::vector<float> mid, out;
    while (b < e) {
      const int64_t c = b / out_h, i0 = b - c * out_h, n = std::min({e - b, BandResize::kBand, out_h - i0});
      // The rows of the cropped first resize that this band of the second reads, a band of the first at a time.
      const auto [lo, hi] = second.reads(i0, n);
      mid.resize(static_cast<size_t>((hi - lo) * keep_w));
      for (int64_t r = lo; r < hi; r += BandResize::kBand) {
        const int64_t m = std::min(BandResize::kBand, hi - r);
        first.band(r, m, x + c * in_h * in_w, 0, mid.data() + (r - lo) * keep_w, keep_w, first_scratch);
      }
      out.resize(static_cast<size_t>(n * out_w));
      second.band(i0, n, mid.data(), lo, out.data(), out_w, second_scratch);
      // Restrict-qualified locals, the count included: a uint8_t store may alias anything (the captured sizes
      // too), and the loop would not be vectorised.
      const float* __restrict logits = out.data();
      uint8_t* __restrict inside = y + (c * out_h + i0) * out_w;
      const int64_t count = n * out_w;
      for (int64_t i = 0; i < count; ++i) inside[i] = logits[i] > 0.0f;
      b += n;
    }
  });
}

}  // namespace lsam
