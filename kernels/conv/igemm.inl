// The indirect-GEMM convolution kernel (ConvIgemmArgs in conv_kernels.h), written once over a SIMD wrapper
// V (kernels/simd/) and a register tile of MR output pixels x NV vectors of output channels. Included by the ISA
// translation units after their wrapper, math.inc and activation.inc; everything here has internal linkage.
#pragma once

#include <cstdint>

#include "kernels/conv/conv_kernels.h"

namespace lsam {
namespace {

// One MR x (NV * width) tile of the output: the accumulators start at the bias and live in registers for
// the whole reduction, then get the activation and residual on their way out.
template <class V, int MR, int NV, Activation A>
void igemm_tile(const ConvIgemmArgs& a, const float* const* ind, const float* w, const float* bias, int64_t rows,
                int64_t cols, float* out, const float* residual) {
  constexpr int W = V::lanes;
  V acc[MR][NV];
  for (int j = 0; j < NV; ++j) {
    const V b = V::load(bias + j * W);
    for (int r = 0; r < MR; ++r) acc[r][j] = b;
  }
  for (int64_t s = 0; s < a.runs; ++s, ind += MR) {
    const float* px[MR];
    for (int r = 0; r < MR; ++r) px[r] = ind[r] == a.zero ? a.zero : ind[r] + a.a_offset;
    for (int64_t c = 0; c < a.run_length; ++c, w += NV * W) {
      V b[NV];
      for (int j = 0; j < NV; ++j) b[j] = V::load(w + j * W);
      for (int r = 0; r < MR; ++r) {
        const V x = V::set1(px[r][c]);
        for (int j = 0; j < NV; ++j) acc[r][j] = fma(x, b[j], acc[r][j]);
      }
    }
  }
  // The whole tile at once, padding rows included: MR * NV independent chains keep the activation's long
  // dependency chain off the critical path.
  for (int r = 0; r < MR; ++r)
    for (int j = 0; j < NV; ++j) acc[r][j] = activate<A>(acc[r][j]);
  for (int r = 0; r < rows; ++r) {
    for (int j = 0; j < NV; ++j) {
      const int64_t n = cols - j * W;  // valid lanes of this vector
      if (n <= 0) break;
      V y = acc[r][j];
      float* o = out + r * a.ldc + j * W;
      if (n >= W) {
        if (residual) y = y + V::load(residual + r * a.ldr + j * W);
        y.store(o);
      } else {
        if (residual) y = y + V::load(residual + r * a.ldr + j * W, n);
        y.store(o, n);
      }
    }
  }
}

// Every tile of the block against every column panel. The tile's input (MR pixels x runs x run_length) is
// the reused operand and stays in L1 while the weight panels stream past it from L2.
template <class V, int MR, int NV, Activation A>
void igemm_block(const ConvIgemmArgs& a) {
  constexpr int64_t NR = NV * V::lanes;
  const int64_t panels = (a.cout + NR - 1) / NR;
  const int64_t panel_stride = a.runs * a.run_length * NR;
  for (int64_t tile = 0; tile < a.tiles; ++tile) {
    const int64_t rows = a.rows - tile * MR < MR ? a.rows - tile * MR : MR;
    const float* const* ind = a.indirection + tile * a.runs * MR;
    float* out = a.out + tile * MR * a.ldc;
    const float* residual = a.residual ? a.residual + tile * MR * a.ldr : nullptr;
    for (int64_t p = 0; p < panels; ++p) {
      igemm_tile<V, MR, NV, A>(a, ind, a.weights + p * panel_stride, a.bias + p * NR, rows, a.cout - p * NR,
                               out + p * NR, residual ? residual + p * NR : nullptr);
    }
  }
}

template <class V, int MR, int NV>
void igemm(const ConvIgemmArgs& a) {
  with_activation(a.activation, [&]<Activation A>() { igemm_block<V, MR, NV, A>(a); });
}

}  // namespace
}  // namespace lsam
