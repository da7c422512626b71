// Activations and sums on TinyViT-sized tensors, beside oneDNN's GELU, in GB/s read plus written, e.g.
//   lsam_kernel_bench --benchmark_filter='activation|add|dnnl_gelu' --benchmark_counters_tabular=true
#include <benchmark/benchmark.h>

#include <random>
#include <vector>

#include "kernels/eltwise/eltwise.h"

#ifdef LSAM_HAVE_DNNL
#include <oneapi/dnnl/dnnl.hpp>
#endif

namespace lsam {
namespace {

std::vector<float> random_vector(int64_t n) {
  std::mt19937 rng(42);
  std::uniform_real_distribution<float> dist(-6.f, 6.f);
  std::vector<float> v(static_cast<size_t>(n));
  for (float& x : v) x = dist(rng);
  return v;
}

template <class F>
void run_timed(benchmark::State& state, double bytes, F body) {
  body();  // warm caches
  for (auto _ : state) body();
  state.counters["GB/s"] = benchmark::Counter(bytes * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

// Args: activation, elements. 4096 x 512 is TinyViT stage 1's MLP hidden layer (L2/L3-sized), 4096 x 1280 a
// DRAM-sized tensor.
void BM_activation(benchmark::State& state) {
  const auto act = static_cast<Activation>(state.range(0));
  const int64_t n = state.range(1);
  // Out of place: GELU applied to its own output over and over halves the negative inputs each time, and
  // within ~130 iterations they are denormals, which Intel cores run through microcode assists (18 ns an
  // element on Cascade Lake, 40x the normal time).
  const std::vector<float> x = random_vector(n);
  std::vector<float> y(x.size());
  state.SetLabel(activation_name(act));
  run_timed(state, 8.0 * n, [&] { activation_f32(act, n, x.data(), y.data()); });
}
BENCHMARK(BM_activation)
    ->ArgsProduct({{static_cast<int>(Activation::gelu), static_cast<int>(Activation::silu)}, {4096 * 512, 4096 * 1280}})
    ->UseRealTime();

void BM_add(benchmark::State& state) {
  const int64_t n = state.range(0);
  std::vector<float> a = random_vector(n), b = random_vector(n);
  run_timed(state, 12.0 * n, [&] { add_f32(n, a.data(), b.data(), a.data()); });
}
BENCHMARK(BM_add)->Arg(4096 * 512)->Arg(4096 * 1280)->UseRealTime();

#ifdef LSAM_HAVE_DNNL
void BM_dnnl_gelu(benchmark::State& state) {
  using dnnl::memory;
  const int64_t n = state.range(0);
  dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  dnnl::stream stream(engine);
  const memory::desc md({n}, memory::data_type::f32, memory::format_tag::a);
  const dnnl::eltwise_forward::primitive_desc pd(
      {dnnl::prop_kind::forward_inference, dnnl::algorithm::eltwise_gelu_erf, md}, engine);
  std::vector<float> x = random_vector(n), y(x.size());  // out of place, as BM_activation
  memory src(md, engine, x.data()), dst(md, engine, y.data());
  dnnl::eltwise_forward gelu(pd);
  state.SetLabel(pd.impl_info_str());
  run_timed(state, 8.0 * n, [&] {
    gelu.execute(stream, {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst}});
    stream.wait();
  });
}
BENCHMARK(BM_dnnl_gelu)->Arg(4096 * 512)->Arg(4096 * 1280)->UseRealTime();
#endif

}  // namespace
}  // namespace lsam
