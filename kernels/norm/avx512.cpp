// AVX-512 LayerNorm and softmax: the bodies of norm_body.inc over 16-lane vectors.
#include "kernels/norm/norm.h"
#include "kernels/eltwise/vec.inc"
#include "kernels/norm/norm_body.inc"

namespace lsam {

void layernorm_f32_avx512(int64_t rows, int64_t dim, const float* x, int64_t ldx, const float* gamma, const float* beta,
                          float eps, float* y, int64_t ldy) {
  layernorm_rows<F16>(rows, dim, x, ldx, gamma, beta, eps, y, ldy);
}

void softmax_f32_avx512(int64_t rows, int64_t dim, const float* x, int64_t ldx, float* y, int64_t ldy) {
  softmax_rows<F16>(rows, dim, x, ldx, y, ldy);
}

}  // namespace lsam
