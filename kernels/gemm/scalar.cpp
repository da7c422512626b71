// Baseline GEMM kernel (LSAM_ISA=scalar): the same body as AVX2 on 4-float GCC vectors, which any x86-64
// compiles to SSE2. 6 x 8 tile: 12 xmm accumulators + 2 for the B row + 1 broadcast = 15 of 16. There is no
// FMA here, so fma() rounds twice; the tests' error bound allows for it.
#include "engine/split.h"
#include "kernels/gemm/ukernel.h"
#include "kernels/simd/generic.inc"
#include "kernels/simd/activation.inc"

namespace lsam {
namespace {

using V = Fv<4>;
#include "kernels/gemm/ukernel.inc"

}  // namespace

void gemm_ukernel_f32_scalar_6x8(const GemmUkernelArgs& args) { gemm_block<6, 2>(args); }

}  // namespace lsam
