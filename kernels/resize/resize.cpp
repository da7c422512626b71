// torch's bilinear interpolation: tap tables in torch 1.13's arithmetic (aten/src/ATen/native/UpSample.h and
// cpu/UpSampleKernel.cpp), then a horizontal pass over the input rows and a vertical pass, as torch's
// separable kernels order them, a band of output rows at a time.
#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
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

}  // namespace

void resize_bilinear_f32(const float* x, int64_t channels, int64_t in_h, int64_t in_w, float* y, int64_t out_h,
                         int64_t out_w, bool antialias) {
  resize_bilinear_crop_f32(x, channels, in_h, in_w, y, out_h, out_w, out_h, out_w, antialias);
}

void resize_bilinear_crop_f32(const float* x, int64_t channels, int64_t in_h, int64_t in_w, float* y, int64_t out_h,
                              int64_t out_w, int64_t keep_h, int64_t keep_w, bool antialias) {
  if (channels < 1 || in_h < 1 || in_w < 1 || out_h < 1 || out_w < 1 || keep_h < 1 || keep_w < 1 ||
      keep_h > out_h || keep_w > out_w || std::max({in_h, in_w, out_h, out_w}) > (1 << 30))
    throw std::invalid_argument("resize_bilinear_f32: bad sizes " + std::to_string(in_h) + "x" + std::to_string(in_w) +
                                " -> " + std::to_string(out_h) + "x" + std::to_string(out_w) + " keeping " +
                                std::to_string(keep_h) + "x" + std::to_string(keep_w));
  const AxisTable ht = (antialias ? antialias_axis(in_w, out_w) : linear_axis(in_w, out_w)).first(out_w, keep_w);
  const AxisTable vt = (antialias ? antialias_axis(in_h, out_h) : linear_axis(in_h, out_h)).first(out_h, keep_h);
  const int64_t rows = vt.rows_read();  // input rows the kept output rows read
  const double mid = static_cast<double>(channels * rows * keep_w), out = static_cast<double>(channels * keep_h * keep_w);
  LSAM_PROFILE("resize_bilinear", 2.0 * (mid * ht.taps + out * vt.taps),
               4.0 * (static_cast<double>(channels * rows * in_w) + out));
  const auto h_pass = pick_variant(resample_h_f32_ref, resample_h_f32_avx2, resample_h_f32_avx512);
  const auto v_pass = pick_variant(resample_v_f32_ref, resample_v_f32_avx2, resample_v_f32_avx512);
  const ResampleAxisF32 h = ht.view(keep_w);
  // Bands of output rows, each from its own horizontal pass over just the input rows it reads, kept in a
  // thread-local buffer (~140 KB for SAM's masks) that the vertical pass reads back from L2: a whole-image
  // intermediate would go to memory and back (15 MB for three 600 x 800 masks). Input rows shared by two bands
  // are filtered twice, the same values both times, so the result does not depend on the banding.
  constexpr int64_t kBand = 32;
  const int64_t min_rows = std::max<int64_t>(1, 16384 / keep_w);  // ~16K outputs per thread at least
  parallel_for(channels * keep_h, min_rows, [&](int64_t b, int64_t e) {
    std::vector<float> rows_h;
    AxisTable band(vt.taps, kBand);  // the band's vertical taps, indices relative to its first input row
    while (b < e) {
      const int64_t c = b / keep_h, i0 = b - c * keep_h, n = std::min({e - b, kBand, keep_h - i0});
      // The input rows [lo, hi) the band reads: from its first output's first tap to its last output's last.
      const int64_t lo = vt.index[i0], hi = vt.index[(vt.taps - 1) * keep_h + i0 + n - 1] + 1;
      for (int j = 0; j < vt.taps; ++j)
        for (int64_t i = 0; i < n; ++i) {
          band.index[j * n + i] = static_cast<int32_t>(vt.index[j * keep_h + i0 + i] - lo);
          band.weight[j * n + i] = vt.weight[j * keep_h + i0 + i];
        }
      rows_h.resize(static_cast<size_t>((hi - lo) * keep_w));
      h_pass(h, hi - lo, x + (c * in_h + lo) * in_w, in_w, rows_h.data(), keep_w);
      v_pass(band.view(n), 0, n, keep_w, rows_h.data(), keep_w, y + (c * keep_h + i0) * keep_w, keep_w);
      b += n;
    }
  });
}

}  // namespace lsam
