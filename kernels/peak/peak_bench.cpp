// Peak FMA throughput per ISA, at 1 thread and at the engine's thread count.
#include <benchmark/benchmark.h>

#include "engine/threads.h"
#include "kernels/peak/peak.h"

namespace lsam {
namespace {

void BM_fma_peak(benchmark::State& state) {
  const Isa isa = static_cast<Isa>(state.range(0));
  const int threads = state.range(1) ? num_threads() : 1;
  if (!isa_supported(isa)) return state.SkipWithError("ISA not supported by this CPU");
  double gflops = 0;
  for (auto _ : state) gflops = measure_fma_peak_gflops(isa, threads);
  state.counters["GFLOP/s"] = gflops;
  state.counters["threads"] = threads;
  state.SetLabel(isa_name(isa));
}

// Args: ISA level, all threads (0: one thread).
BENCHMARK(BM_fma_peak)->ArgsProduct({{0, 1, 2}, {0, 1}})->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace lsam
