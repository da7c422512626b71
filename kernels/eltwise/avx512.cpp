// AVX-512 eltwise variants: the bodies of eltwise_body.inc over 16-lane vectors.
#include "kernels/eltwise/eltwise.h"
#include "kernels/simd/avx512.inc"
#include "kernels/eltwise/eltwise_body.inc"

namespace lsam {

void activation_f32_avx512(Activation act, int64_t n, const float* x, float* y) { activation_body<F16>(act, n, x, y); }
void add_f32_avx512(int64_t n, const float* a, const float* b, float* y) { add_body<F16>(n, a, b, y); }
void mul_f32_avx512(int64_t n, const float* a, const float* b, float* y) { mul_body<F16>(n, a, b, y); }
void scale_add_f32_avx512(int64_t n, const float* a, float alpha, const float* b, float* y) {
  scale_add_body<F16>(n, a, alpha, b, y);
}
void add_rows_f32_avx512(int64_t rows, int64_t cols, const float* x, int64_t ldx, const float* v, float* y,
                         int64_t ldy) {
  add_rows_body<F16>(rows, cols, x, ldx, v, y, ldy);
}

}  // namespace lsam
