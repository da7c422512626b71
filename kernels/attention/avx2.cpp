// AVX2 + FMA instantiation of the fused attention kernel (flash.inc).
#include <cmath>
#include <cstdint>

#include "engine/split.h"
#include "kernels/attention/attention.h"
#include "kernels/simd/avx2.inc"

namespace lsam {
namespace {

#include "kernels/attention/flash_vec.inc"
// 6 x 2 accumulators + 2 loaded vectors + 1 broadcast = 15 of the 16 ymm registers.
using Avx2 = FlashVec<F8, 6>;
#include "kernels/attention/flash.inc"

}  // namespace

AttentionPlan attention_plan_f32_avx2(const AttentionArgs& args) { return Flash<Avx2>::plan(args); }

void attention_f32_avx2(const AttentionArgs& args, const AttentionPlan& plan, int64_t first, int64_t last,
                        float* scratch) {
  Flash<Avx2>::run(args, plan, first, last, scratch);
}

}  // namespace lsam
