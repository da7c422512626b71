// AVX-512 peak loop: 24 zmm chains (of 32 registers).
#include "kernels/peak/peak.h"
#include "kernels/simd/avx512.inc"

namespace lsam {
namespace {

#include "kernels/peak/fma_chains.inc"

}  // namespace

int64_t peak_fma_f32_avx512(int64_t iters) { return fma_chains<F16, 24>(iters); }

}  // namespace lsam
