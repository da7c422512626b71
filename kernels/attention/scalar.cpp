// Portable instantiation of the fused attention kernel (flash.inc), for CPUs without AVX2 and LSAM_ISA=scalar.
// Its vector is 16 floats (SSE2 code) and its tile is AVX-512's (12 x 32), so the tests run that blocking
// (padding to 16 keys, 12-row tiles) on every machine, AVX-512 or not.
#include <cmath>
#include <cstdint>

#include "engine/split.h"
#include "kernels/attention/attention.h"
#include "kernels/simd/generic.inc"

namespace lsam {
namespace {

#include "kernels/attention/flash_vec.inc"
using Portable = FlashVec<Fv<16>, 12>;
#include "kernels/attention/flash.inc"

}  // namespace

AttentionPlan attention_plan_f32_scalar(const AttentionArgs& args) { return Flash<Portable>::plan(args); }

void attention_f32_scalar(const AttentionArgs& args, const AttentionPlan& plan, int64_t first, int64_t last,
                          float* scratch) {
  Flash<Portable>::run(args, plan, first, last, scratch);
}

}  // namespace lsam
