// AVX-512 instances of the shared conv kernels (igemm.inl, depthwise.inl, winograd.inl) over 16-float vectors.
#include "kernels/conv/conv_kernels.h"
#include "kernels/simd/avx512.inc"
#include "kernels/simd/activation.inc"
#include "kernels/conv/depthwise.inl"
#include "kernels/conv/igemm.inl"
#include "kernels/conv/winograd.inl"

namespace lsam {

// 12 x 2 vectors: 24 accumulators, 2 weight vectors and a broadcast in AVX-512's 32 registers, and 12 row
// pointers in the general-purpose ones.
void conv_igemm_f32_avx512_12x32(const ConvIgemmArgs& args) { igemm<F16, 12, 2>(args); }

void depthwise3x3_row_f32_avx512(const DepthwiseRowArgs& args) { depthwise3x3_row<F16>(args); }

void winograd_input_f32_avx512(const WinogradInputArgs& args) { winograd_input<F16>(args); }

void winograd_output_f32_avx512(const WinogradOutputArgs& args) { winograd_output<F16>(args); }

}  // namespace lsam
