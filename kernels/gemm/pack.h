// The packed-B layout, shared by the code that writes it (pack.cpp) and the driver that reads it (gemm.cpp).
//
// K is cut into equal blocks of at most kc (k_blocks); block [k0, k0 + kb) stores ceil(N / NR) panels of
// kb x NR floats back to back (row p of a panel is B[k0 + p][j .. j + NR), zero past N), so a kernel call for
// one K block and any run of whole panels reads one contiguous stretch, and each panel is read sequentially.
#pragma once

#include <cstdint>

#include "kernels/gemm/gemm.h"

namespace lsam {

struct KBlocks {
  int64_t count, size;  // block b covers [b * size, min(K, (b + 1) * size))
};
KBlocks k_blocks(int64_t K, int64_t kc);

// Packs rows [k0, k0 + depth) x columns [j0, j0 + width) of B[K][N] (row stride ldb), or of W[N][K] when
// `transposed`, into ceil(width / nr) panels of depth x nr: one K block's run of panels.
void pack_b_block(float* dst, const float* b, int64_t ldb, bool transposed, int64_t k0, int64_t depth, int64_t j0,
                  int64_t width, int nr);

// Packs all of B, or W when `transposed`, into dst, using up to `threads` threads.
void pack_b_panels(float* dst, const float* b, int64_t K, int64_t N, int64_t ldb, bool transposed,
                   const GemmConfig& cfg, int threads);

}  // namespace lsam
