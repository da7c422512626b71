// AVX2 resampling and pooling: the bodies of resize_body.inc over 8-lane vectors.
#include "kernels/resize/resize.h"
#include "kernels/simd/avx2.inc"
#include "kernels/resize/resize_body.inc"

namespace lsam {

void resample_h_f32_avx2(const ResampleAxisF32& axis, int64_t rows, const float* x, int64_t ldx, float* y,
                         int64_t ldy) {
  resample_h_f32_rows<F8>(axis, rows, x, ldx, y, ldy);
}

void resample_v_f32_avx2(const ResampleAxisF32& axis, int64_t begin, int64_t end, int64_t width, const float* x,
                         int64_t ldx, float* y, int64_t ldy) {
  resample_v_f32_rows<F8>(axis, begin, end, width, x, ldx, y, ldy);
}

void resample_h_u8_avx2(const ResampleAxisU8& axis, int64_t rows, int64_t in_w, int channels, const uint8_t* x,
                        int64_t ldx, uint8_t* y, int64_t ldy, int32_t* scratch) {
  resample_h_u8_rows<I8>(axis, rows, in_w, channels, x, ldx, y, ldy, scratch);
}

void resample_v_u8_avx2(const ResampleAxisU8& axis, int64_t begin, int64_t end, int64_t width, const uint8_t* x,
                        int64_t ldx, uint8_t* y, int64_t ldy) {
  resample_v_u8_rows<I8>(axis, begin, end, width, x, ldx, y, ldy);
}

void maxpool_f32_avx2(const PoolShape& s, int64_t begin, int64_t end, const float* x, float* y) {
  maxpool_rows<F8>(s, begin, end, x, y);
}

}  // namespace lsam
