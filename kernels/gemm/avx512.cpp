// AVX-512 GEMM kernel: 12 x 32 tile, 24 zmm accumulators + 2 for the B row + 1 broadcast = 27 of 32. The
// body is AVX2's (ukernel.inc), so the AVX2 tests cover its logic on machines without AVX-512.
#include "engine/split.h"
#include "kernels/gemm/ukernel.h"
#include "kernels/simd/avx512.inc"
#include "kernels/simd/activation.inc"

namespace lsam {
namespace {

using V = F16;
#include "kernels/gemm/ukernel.inc"

}  // namespace

void gemm_ukernel_f32_avx512_12x32(const GemmUkernelArgs& args) { gemm_block<12, 2>(args); }

}  // namespace lsam
