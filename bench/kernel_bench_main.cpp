// Kernel benchmarks report GFLOP/s (or GB/s) as counters; run with --benchmark_counters_tabular=true.
#include <benchmark/benchmark.h>

#include <cstdio>

#include "engine/cpu.h"
#include "engine/threads.h"

int main(int argc, char** argv) {
  std::printf("lsam kernels: isa=%s threads=%d\n", lsam::isa_name(lsam::active_isa()), lsam::num_threads());
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
