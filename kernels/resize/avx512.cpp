// AVX-512 resampling and pooling: the bodies of resize_body.inc over 16-lane vectors.
#include "kernels/resize/resize.h"
#include "kernels/simd/avx512.inc"
#include "kernels/resize/resize_body.inc"

namespace lsam {

void resample_h_f32_avx512(const ResampleAxisF32& axis, int64_t rows, const float* x, int64_t ldx, float* y,
                           int64_t ldy) {
  resample_h_f32_rows<F16>(axis, rows, x, ldx, y, ldy);
}

void resample_v_f32_avx512(const ResampleAxisF32& axis, int64_t begin, int64_t end, int64_t width, const float* x,
                           int64_t ldx, float* y, int64_t ldy) {
  resample_v_f32_rows<F16>(axis, begin, end, width, x, ldx, y, ldy);
}

void resample_h_u8_avx512(const ResampleAxisU8& axis, int64_t rows, int64_t in_w, int channels, const uint8_t* x,
                          int64_t ldx, uint8_t* y, int64_t ldy, int32_t* scratch) {
  resample_h_u8_rows<I16>(axis, rows, in_w, channels, x, ldx, y, ldy, scratch);
}

void resample_v_u8_avx512(const ResampleAxisU8& axis, int64_t begin, int64_t end, int64_t width, const uint8_t* x,
                          int64_t ldx, uint8_t* y, int64_t ldy) {
  resample_v_u8_rows<I16>(axis, begin, end, width, x, ldx, y, ldy);
}

void maxpool_f32_avx512(const PoolShape& s, int64_t begin, int64_t end, const float* x, float* y) {
  maxpool_rows<F16>(s, begin, end, x, y);
}

}  // namespace lsam
