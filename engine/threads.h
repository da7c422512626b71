// Thread count policy. Kernels parallelise with OpenMP; work is split by index ranges that depend only on
// the thread count, never on timing, so results are bit-identical for a fixed LSAM_NUM_THREADS.
#pragma once

#include <cstdint>

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
  const int64_t base = n / parts, extra = n % parts;
  const int64_t begin = i * base + (i < extra ? i : extra);
  return {begin, begin + base + (i < extra ? 1 : 0)};
}

}  // namespace lsam
