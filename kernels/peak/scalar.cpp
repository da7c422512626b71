// Baseline peak loop: 4-float GCC vectors (SSE2), multiply + add as two instructions (no FMA in SSE2).
#include "kernels/peak/peak.h"
#include "kernels/simd/generic.inc"

namespace lsam {
namespace {

#include "kernels/peak/fma_chains.inc"

}  // namespace

int64_t peak_fma_f32_scalar(int64_t iters) { return fma_chains<Fv<4>, 12>(iters); }

}  // namespace lsam
