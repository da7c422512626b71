// Peak fp32 FMA throughput: the ceiling that kernel efficiencies (% of peak) are quoted against.
#pragma once

#include <cstdint>

#include "engine/cpu.h"

namespace lsam {

// GFLOP/s of `threads` threads each running independent FMA chains on `isa`'s widest vectors (an FMA is
// 2 FLOPs per lane); the best of 5 runs of ~20 ms, measured again (up to 3 more rounds) while it stays below
// 90% of `threads` times one thread's best. Isa::scalar measures SSE2 multiply + add pairs.
double measure_fma_peak_gflops(Isa isa, int threads);

// The per-ISA loops behind it: `iters` rounds of independent FMA chains on one thread; returns the FLOPs done.
int64_t peak_fma_f32_scalar(int64_t iters);
int64_t peak_fma_f32_avx2(int64_t iters);
int64_t peak_fma_f32_avx512(int64_t iters);

}  // namespace lsam
