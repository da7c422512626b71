// PIL's bilinear resize, bit-exact with Pillow 9.4 (src/libImaging/Resample.c, ImagingResample):
//  - per axis, scale = in / out and the triangle filter (support 1) is stretched by max(scale, 1), so that a
//    downscale averages every input pixel it covers;
//  - output i centres on (i + 0.5) * scale; its inputs are [round(center - support), round(center + support))
//    clipped to the image (round = add 0.5 and truncate);
//  - weights in double, normalised to sum 1, then fixed point: int32(w * 2^22 +- 0.5), rounded half away from 0;
//  - an output is clip8((2^21 + sum of k * x) >> 22): one rounding, in integers, per pass;
//  - the horizontal pass comes first, over only the input rows the vertical pass reads, into a uint8 image; a
//    pass whose size does not change is skipped (it would be the identity).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/cpu.h"
#include "engine/profiler.h"
#include "engine/threads.h"
#include "kernels/resize/resize.h"

namespace lsam {
namespace {

struct PilAxis {
  int taps;
  std::vector<int32_t> first, count;  // [out]
  std::vector<int32_t> coeff;         // [taps][out]
  ResampleAxisU8 view() const {
    return {static_cast<int64_t>(first.size()), taps, first.data(), count.data(), coeff.data()};
  }
};

PilAxis pil_axis(int64_t in, int64_t out) {
  const double scale = static_cast<double>(in) / static_cast<double>(out);
  const double filterscale = std::max(scale, 1.0), support = filterscale;  // bilinear's support is 1
  const double inv_filterscale = 1.0 / filterscale;                        // multiplied by, not divided by, as PIL does
  PilAxis a{static_cast<int>(std::ceil(support)) * 2 + 1, std::vector<int32_t>(static_cast<size_t>(out)),
            std::vector<int32_t>(static_cast<size_t>(out)), std::vector<int32_t>()};
  a.coeff.assign(static_cast<size_t>(a.taps * out), 0);
  std::vector<double> w(static_cast<size_t>(a.taps));
  for (int64_t i = 0; i < out; ++i) {
    const double center = (static_cast<double>(i) + 0.5) * scale;
    const int first = std::max(0, static_cast<int>(center - support + 0.5));
    const int count = std::min(static_cast<int>(center + support + 0.5), static_cast<int>(in)) - first;
    double total = 0;
    for (int j = 0; j < count; ++j) {
      const double d = std::fabs((j + first - center + 0.5) * inv_filterscale);
      w[j] = d < 1.0 ? 1.0 - d : 0.0;
      total += w[j];
    }
    for (int j = 0; j < count; ++j) {
      const double k = total != 0.0 ? w[j] / total : w[j];
      const double fixed = k * (1 << kPilPrecisionBits);
      a.coeff[j * out + i] = static_cast<int32_t>(fixed < 0 ? fixed - 0.5 : fixed + 0.5);
    }
    a.first[i] = first;
    a.count[i] = count;
  }
  return a;
}

}  // namespace

void resize_u8_pil_bilinear(const uint8_t* x, int64_t in_h, int64_t in_w, int channels, uint8_t* y, int64_t out_h,
                            int64_t out_w) {
  if (channels < 1 || channels > 4 || in_h < 1 || in_w < 1 || out_h < 1 || out_w < 1 ||
      std::max({in_h, in_w, out_h, out_w}) > (1 << 24))
    throw std::invalid_argument("resize_u8_pil_bilinear: bad shape " + std::to_string(in_h) + "x" +
                                std::to_string(in_w) + "x" + std::to_string(channels) + " -> " + std::to_string(out_h) +
                                "x" + std::to_string(out_w));
  const int64_t in_row = in_w * channels, out_row = out_w * channels;
  const bool horizontal = out_w != in_w, vertical = out_h != in_h;
  if (!horizontal && !vertical) {
    std::memcpy(y, x, static_cast<size_t>(in_h * in_row));
    return;
  }
  const PilAxis ha = pil_axis(in_w, out_w);
  PilAxis va = pil_axis(in_h, out_h);
  // The input rows the vertical pass reads; its row indices become relative to the first of them.
  const int64_t row0 = vertical ? va.first.front() : 0;
  const int64_t rows = vertical ? va.first.back() + va.count.back() - row0 : in_h;
  for (int32_t& f : va.first) f -= static_cast<int32_t>(row0);
  LSAM_PROFILE(
      "resize_pil", 2.0 * ((horizontal ? rows * out_row * ha.taps : 0) + (vertical ? out_h * out_row * va.taps : 0)),
      static_cast<double>(in_h * in_row + (horizontal && vertical ? 2 * rows * out_row : 0) + out_h * out_row));

  const uint8_t* mid = x + row0 * in_row;
  int64_t mid_row = in_row;
  std::unique_ptr<uint8_t[]> tmp;
  if (horizontal) {
    const auto h_pass = pick_variant(resample_h_u8_ref, resample_h_u8_avx2, resample_h_u8_avx512);
    if (vertical) tmp = std::make_unique_for_overwrite<uint8_t[]>(static_cast<size_t>(rows * out_row));
    uint8_t* dst = vertical ? tmp.get() : y;
    const ResampleAxisU8 h = ha.view();
    parallel_for(rows, std::max<int64_t>(1, 65536 / out_row), [&](int64_t b, int64_t e) {
      std::vector<int32_t> scratch(static_cast<size_t>((in_w + h.taps) * 4));
      h_pass(h, e - b, in_w, channels, mid + b * in_row, in_row, dst + b * out_row, out_row, scratch.data());
    });
    mid = dst;
    mid_row = out_row;
  }
  if (vertical) {
    const auto v_pass = pick_variant(resample_v_u8_ref, resample_v_u8_avx2, resample_v_u8_avx512);
    const ResampleAxisU8 v = va.view();
    parallel_for(out_h, std::max<int64_t>(1, 65536 / out_row),
                 [&](int64_t b, int64_t e) { v_pass(v, b, e, out_row, mid, mid_row, y, out_row); });
  }
}

}  // namespace lsam
