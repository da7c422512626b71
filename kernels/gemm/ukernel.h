// The contract between the GEMM driver (gemm.cpp) and the per-ISA kernels (scalar.cpp, avx2.cpp, avx512.cpp).
// Plain declarations and a POD only: the ISA translation units include this header and nothing that could
// emit code with their flags into baseline code.
#pragma once

#include <cstdint>

#include "kernels/gemm/gemm.h"

namespace lsam {

// One cache block for a kernel: C[m, n] (+)= A[m, k] * B[k, n], then the epilogue when `last`.
// The kernel walks the block in MR x NR register tiles itself (NR-column panels outside, MR-row slivers
// inside), so the per-tile code inlines into that loop and a call costs nothing per tile.
struct GemmUkernelArgs {
  int64_t m, n, k;
  const float* a;      // a(i, p) = a[i * lda + p], or a[p * lda + i] when a_col_major (A stored [K, M])
  int64_t lda;
  bool a_col_major;
  const float* b;      // ceil(n / NR) packed panels of k x NR floats, back to back, zero padded past n
  float* c;
  int64_t ldc;
  bool accumulate;     // C += A * B: every K block after the first
  bool last;           // the last K block: apply bias, activation and residual
  const float* bias;   // [n] at the block's first column, or null
  Activation activation;
  const float* residual;  // [m, n] with row stride ldr, or null; may be c itself (with ldr == ldc)
  int64_t ldr;
};

using GemmUkernel = void (*)(const GemmUkernelArgs&);

// Named op_type_isa_tile: the tile is MR x NR (rows of C x columns of C).
void gemm_ukernel_f32_scalar_6x8(const GemmUkernelArgs& args);
void gemm_ukernel_f32_avx2_6x16(const GemmUkernelArgs& args);
void gemm_ukernel_f32_avx512_12x32(const GemmUkernelArgs& args);

}  // namespace lsam
