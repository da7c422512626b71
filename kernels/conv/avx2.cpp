// AVX2 + FMA instances of the shared conv kernels (igemm.inl, depthwise.inl, winograd.inl) over 8-float vectors.
#include "kernels/conv/conv_kernels.h"
#include "kernels/simd/avx2.inc"
#include "kernels/simd/activation.inc"
#include "kernels/conv/depthwise.inl"
#include "kernels/conv/igemm.inl"
#include "kernels/conv/winograd.inl"

namespace lsam {

// 6 x 2 vectors: 12 accumulators, 2 weight vectors and a broadcast in AVX2's 16 registers.
void conv_igemm_f32_avx2_6x16(const ConvIgemmArgs& args) { igemm<F8, 6, 2>(args); }

void depthwise3x3_row_f32_avx2(const DepthwiseRowArgs& args) { depthwise3x3_row<F8>(args); }

void winograd_input_f32_avx2(const WinogradInputArgs& args) { winograd_input<F8>(args); }

void winograd_output_f32_avx2(const WinogradOutputArgs& args) { winograd_output<F8>(args); }

}  // namespace lsam
