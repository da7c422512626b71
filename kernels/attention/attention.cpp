// Driver: argument checks, profiling, and the static split of (batch, head, query block) work items over
// threads. The per-ISA variants (flash.inc) do everything inside an item.
#include "kernels/attention/attention.h"

#include <omp.h>

#include <algorithm>
#include <memory>
#include <stdexcept>
#include <string>

#include "engine/cpu.h"
#include "engine/memory.h"
#include "engine/profiler.h"
#include "engine/threads.h"

namespace lsam {
namespace {

void check(const AttentionArgs& a) {
  const auto fail = [](const std::string& what) { throw std::invalid_argument("attention_f32: " + what); };
  if (a.batch < 0 || a.heads < 0 || a.q_len < 0 || a.kv_len < 1 || a.qk_dim < 1 || a.v_dim < 1)
    fail("bad shape: batch " + std::to_string(a.batch) + ", heads " + std::to_string(a.heads) + ", q_len " +
         std::to_string(a.q_len) + ", kv_len " + std::to_string(a.kv_len) + ", qk_dim " + std::to_string(a.qk_dim) +
         ", v_dim " + std::to_string(a.v_dim));
  if (!a.q || !a.k || !a.v || !a.out) fail("q, k, v and out are required");
  if (!a.rel_h != !a.rel_w) fail("rel_h and rel_w come together");
  if (a.rel_h && (a.kv_w < 1 || a.kv_len % a.kv_w != 0))
    fail("kv_w " + std::to_string(a.kv_w) + " does not tile kv_len " + std::to_string(a.kv_len));
}

// Per-thread scratch, kept between calls so small attentions pay no allocation.
float* thread_scratch(int64_t floats) {
  struct Buffer {
    std::unique_ptr<float, void (*)(void*)> data{nullptr, aligned_free};
    int64_t floats = 0;
  };
  thread_local Buffer buf;
  if (buf.floats < floats) {
    buf.data.reset(static_cast<float*>(aligned_malloc(static_cast<size_t>(floats) * sizeof(float))));
    buf.floats = floats;
  }
  return buf.data.get();
}

}  // namespace

void attention_f32(const AttentionArgs& a) {
  check(a);
  const double pairs = static_cast<double>(a.batch) * a.heads * a.q_len * a.kv_len;
  const double elems = static_cast<double>(a.batch) * a.heads *
                       (a.q_len * (a.qk_dim + a.v_dim) + a.kv_len * (a.qk_dim + a.v_dim));
  LSAM_PROFILE("attention", 2.0 * pairs * (a.qk_dim + a.v_dim), 4.0 * elems);
  if (a.batch == 0 || a.heads == 0 || a.q_len == 0) return;

  AttentionPlan (*plan_fn)(const AttentionArgs&) = attention_plan_f32_scalar;
  void (*run)(const AttentionArgs&, const AttentionPlan&, int64_t, int64_t, float*) = attention_f32_scalar;
  switch (active_isa()) {
    case Isa::avx512: plan_fn = attention_plan_f32_avx512, run = attention_f32_avx512; break;
    case Isa::avx2: plan_fn = attention_plan_f32_avx2, run = attention_f32_avx2; break;
    case Isa::scalar: break;
  }
  const AttentionPlan plan = plan_fn(a);
  const int64_t items = a.batch * a.heads * plan.q_blocks;
  const int threads = static_cast<int>(std::min<int64_t>(available_threads(), items));
  // Items are independent and computed the same way on any thread, so the result does not depend on the
  // thread count either.
#pragma omp parallel num_threads(threads) if (threads > 1)
  {
    const Range r = split_range(items, omp_get_num_threads(), omp_get_thread_num());
    run(a, plan, r.begin, r.end, thread_scratch(plan.scratch_floats));
  }
}

}  // namespace lsam
