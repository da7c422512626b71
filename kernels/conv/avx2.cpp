// AVX2 + FMA instances of the shared conv kernels (igemm.inl, depthwise.inl) over 8-float vectors.
#include "kernels/conv/conv_kernels.h"
#include "kernels/simd/avx2.inc"
#include "kernels/simd/activation.inc"
#include "kernels/conv/depthwise.inl"
#include "kernels/conv/igemm.inl"

namespace lsam {

// 6 x 2 vectors: 12 accumulators, 2 weight vectors and a broadcast in AVX2's 16 registers.
void conv_igemm_f32_avx2_6x16(const ConvIgemmArgs& args) { igemm<F8, 6, 2>(args); }

void depthwise3x3_f32_avx2(const DepthwiseArgs& args, int64_t row_begin, int64_t row_end) {
  depthwise3x3<F8>(args, row_begin, row_end);
}

}  // namespace lsam
