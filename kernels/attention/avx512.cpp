// AVX-512 instantiation of the fused attention kernel (flash.inc). The portable variant (scalar.cpp) uses
// the same tile shape, so the tests exercise this blocking on machines without AVX-512.
#include <cmath>
#include <cstdint>

#include "engine/split.h"
#include "kernels/attention/attention.h"
#include "kernels/simd/avx512.inc"

namespace lsam {
namespace {

#include "kernels/attention/flash_vec.inc"
// 12 x 2 accumulators + 2 loaded vectors + 1 broadcast = 27 of the 32 zmm registers.
using Avx512 = FlashVec<F16, 12>;
#include "kernels/attention/flash.inc"

}  // namespace

AttentionPlan attention_plan_f32_avx512(const AttentionArgs& args) { return Flash<Avx512>::plan(args); }

void attention_f32_avx512(const AttentionArgs& args, const AttentionPlan& plan, int64_t first, int64_t last,
                          float* scratch) {
  Flash<Avx512>::run(args, plan, first, last, scratch);
}

}  // namespace lsam
