// Helpers for the portable drivers of kernels/{eltwise,norm,resize}: variant choice and the static parallel
// split. Baseline translation units only: the templates here must never be instantiated in an ISA unit
// (kernels/README.md), and no ISA unit includes this header.
#pragma once

#include <omp.h>

#include <algorithm>
#include <cstdint>

#include "engine/cpu.h"
#include "engine/threads.h"

namespace lsam {

// The variant for active_isa().
template <class Fn>
Fn* pick_variant(Fn* ref, Fn* avx2, Fn* avx512) {
  switch (active_isa()) {
    case Isa::avx512: return avx512;
    case Isa::avx2: return avx2;
    case Isa::scalar: break;
  }
  return ref;
}

// fn(begin, end) over a static split of [0, n) into at most available_threads() chunks of at least
// `min_chunk` items each, so that small problems stay on the calling thread. The split depends only on n and
// the thread count: results are identical run to run.
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

}  // namespace lsam
