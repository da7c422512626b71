// AVX2 peak loop: 12 ymm chains (of 16 registers).
#include "kernels/peak/peak.h"
#include "kernels/simd/avx2.inc"

namespace lsam {
namespace {

#include "kernels/peak/fma_chains.inc"

}  // namespace

int64_t peak_fma_f32_avx2(int64_t iters) { return fma_chains<F8, 12>(iters); }

}  // namespace lsam
