// Thread count policy. Kernels parallelise with OpenMP. Work is split either by index ranges that depend only
// on the thread count, or into items that threads claim as they go (parallel_claim), each computed the same way
// whichever thread takes it: results never depend on timing, and are bit-identical for a fixed LSAM_NUM_THREADS.
#pragma once

#include <omp.h>

#include <algorithm>
#include <atomic>
#include <cstdint>

#include "engine/split.h"

namespace lsam {

// LSAM_NUM_THREADS if set (>= 1), else OpenMP's default. Applied to OpenMP on first use.
int num_threads();
void set_num_threads(int n);

// Threads a kernel may use right now: 1 inside an enclosing parallel region (no nested teams).
int available_threads();

// Even split of [0, n) into `parts` contiguous chunks; chunk `i` is [begin, end).
struct Range {
  int64_t begin, end;
};
inline Range split_range(int64_t n, int parts, int i) {
  return {part_begin(n, parts, i), part_begin(n, parts, i + 1)};
}

// fn(begin, end) over a static split of [0, n) into at most available_threads() chunks of at least
// `min_chunk` items each, so that small problems stay on the calling thread. The split depends only on n and
// the thread count: results are identical run to run. For baseline drivers: ISA translation units must not
// instantiate templates shared with baseline code (kernels/README.md).
template <class Fn>
void parallel_for(int64_t n, int64_t min_chunk, Fn&& fn) {
  if (n <= 0) return;
  const int64_t most = std::max<int64_t>(1, n / std::max<int64_t>(1, min_chunk));
  const int threads = static_cast<int>(std::min<int64_t>(available_threads(), most));
  if (threads == 1) {
    fn(int64_t{0}, n);
    return;
  }
#pragma omp parallel num_threads(threads)
  {
    const Range r = split_range(n, omp_get_num_threads(), omp_get_thread_num());
    if (r.begin < r.end) fn(r.begin, r.end);
  }
}

// Items [0, n) handed out in order to whichever thread asks next: fn(next) runs once on each thread (setting up
// its scratch), and next() returns the thread's next item, or -1 when none is left. Items must not depend on
// each other. A static split waits for its slowest thread: on a shared machine a thread that loses its core
// for a while holds up the whole team, whereas here the other threads take over its remaining items.
template <class Fn>
void parallel_claim(int64_t n, Fn&& fn) {
  if (n <= 0) return;
  const int threads = static_cast<int>(std::min<int64_t>(available_threads(), n));
  std::atomic<int64_t> counter{0};
  const auto next = [&counter, n] {
    const int64_t i = counter.fetch_add(1, std::memory_order_relaxed);
    return i < n ? i : int64_t{-1};
  };
#pragma omp parallel num_threads(threads) if (threads > 1)
  fn(next);
}

}  // namespace lsam
