// AVX2 + FMA GEMM kernel: 6 x 16 tile, 12 ymm accumulators + 2 for the B row + 1 broadcast = 15 of 16.
#include "engine/split.h"
#include "kernels/gemm/ukernel.h"
#include "kernels/simd/avx2.inc"
#include "kernels/simd/activation.inc"

namespace lsam {
namespace {

using V = F8;
#include "kernels/gemm/ukernel.inc"

}  // namespace

void gemm_ukernel_f32_avx2_6x16(const GemmUkernelArgs& args) { gemm_block<6, 2>(args); }

}  // namespace lsam
