// AVX-512 LayerNorm and softmax: the bodies of norm_body.inc over 16-lane vectors.
#include "kernels/norm/norm.h"
#include "kernels/simd/avx512.inc"
#include "kernels/simd/activation.inc"
#include "kernels/norm/norm_body.inc"

namespace lsam {

void layernorm_f32_avx512(int64_t rows, int64_t dim, const float* x, int64_t ldx, const float* gamma, const float* beta,
                          float eps, float* y, int64_t ldy, const LayerNormEpilogue& ep) {
  with_activation(ep.activation,
                  [&]<Activation A>() { layernorm_rows<F16, A>(rows, dim, x, ldx, gamma, beta, eps, y, ldy, ep); });
}

void softmax_f32_avx512(int64_t rows, int64_t dim, const float* x, int64_t ldx, float* y, int64_t ldy) {
  softmax_rows<F16>(rows, dim, x, ldx, y, ldy);
}

void softmax_mid_f32_avx512(int64_t outer, int64_t n, int64_t inner, int64_t i0, int64_t i1, const float* x, float* y) {
  softmax_mid<F16>(outer, n, inner, i0, i1, x, y);
}

}  // namespace lsam
