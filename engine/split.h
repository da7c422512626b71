// Near-equal contiguous splits, shared by the thread splits (threads.h) and the kernels' row tiling (GEMM
// strips, attention row tiles and query blocks).
#pragma once

#include <cstdint>

namespace lsam {

// Start of part i when n items are split into `parts` contiguous parts whose sizes differ by at most one, the
// larger ones first; part i is [part_begin(n, parts, i), part_begin(n, parts, i + 1)). static: internal
// linkage, so the per-ISA translation units can use it without emitting a weak symbol the linker could pick
// for baseline code (tests/isa_symbols.py).
static constexpr int64_t part_begin(int64_t n, int64_t parts, int64_t i) {
  const int64_t base = n / parts, extra = n % parts;
  return i * base + (i < extra ? i : extra);
}

}  // namespace lsam
