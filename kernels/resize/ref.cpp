// Scalar references: each pass written as its definition, the yardstick for the vector variants.
#include <algorithm>
#include <cmath>

#include "kernels/resize/resize.h"

namespace lsam {

void resample_h_f32_ref(const ResampleAxisF32& a, int64_t rows, const float* x, int64_t ldx, float* y, int64_t ldy) {
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t i = 0; i < a.out; ++i) {
      float acc = x[r * ldx + a.index[i]] * a.weight[i];
      for (int j = 1; j < a.taps; ++j)
        acc = std::fma(x[r * ldx + a.index[j * a.out + i]], a.weight[j * a.out + i], acc);
      y[r * ldy + i] = acc;
    }
}

void resample_v_f32_ref(const ResampleAxisF32& a, int64_t begin, int64_t end, int64_t width, const float* x,
                        int64_t ldx, float* y, int64_t ldy) {
  for (int64_t i = begin; i < end; ++i)
    for (int64_t c = 0; c < width; ++c) {
      float acc = x[a.index[i] * ldx + c] * a.weight[i];
      for (int j = 1; j < a.taps; ++j)
        acc = std::fma(x[a.index[j * a.out + i] * ldx + c], a.weight[j * a.out + i], acc);
      y[i * ldy + c] = acc;
    }
}

namespace {

uint8_t clip8(int32_t acc) { return static_cast<uint8_t>(std::clamp(acc >> kPilPrecisionBits, 0, 255)); }

}  // namespace

void resample_h_u8_ref(const ResampleAxisU8& a, int64_t rows, int64_t, int channels, const uint8_t* x, int64_t ldx,
                       uint8_t* y, int64_t ldy, int32_t*) {
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t i = 0; i < a.out; ++i)
      for (int c = 0; c < channels; ++c) {
        int32_t acc = 1 << (kPilPrecisionBits - 1);
        for (int j = 0; j < a.count[i]; ++j)
          acc += x[r * ldx + (a.first[i] + j) * channels + c] * a.coeff[j * a.out + i];
        y[r * ldy + i * channels + c] = clip8(acc);
      }
}

void resample_v_u8_ref(const ResampleAxisU8& a, int64_t begin, int64_t end, int64_t width, const uint8_t* x,
                       int64_t ldx, uint8_t* y, int64_t ldy) {
  for (int64_t i = begin; i < end; ++i)
    for (int64_t b = 0; b < width; ++b) {
      int32_t acc = 1 << (kPilPrecisionBits - 1);
      for (int j = 0; j < a.count[i]; ++j) acc += x[(a.first[i] + j) * ldx + b] * a.coeff[j * a.out + i];
      y[i * ldy + b] = clip8(acc);
    }
}

void maxpool_f32_ref(const PoolShape& s, int64_t begin, int64_t end, const float* x, float* y) {
  for (int64_t row = begin; row < end; ++row) {
    const int64_t n = row / s.out_h, oh = row % s.out_h;
    for (int64_t ow = 0; ow < s.out_w; ++ow)
      for (int64_t c = 0; c < s.c; ++c) {
        float m = -INFINITY;
        for (int64_t ih = oh * s.stride - s.pad; ih < oh * s.stride - s.pad + s.kernel; ++ih)
          for (int64_t iw = ow * s.stride - s.pad; iw < ow * s.stride - s.pad + s.kernel; ++iw)
            if (ih >= 0 && ih < s.h && iw >= 0 && iw < s.w) m = std::max(m, x[((n * s.h + ih) * s.w + iw) * s.c + c]);
        y[(row * s.out_w + ow) * s.c + c] = m;
      }
  }
}

}  // namespace lsam
