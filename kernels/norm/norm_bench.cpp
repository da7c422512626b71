// LayerNorm and softmax at the models' shapes, beside oneDNN's, in GB/s of activations read plus written, e.g.
//   lsam_kernel_bench --benchmark_filter='layernorm|softmax' --benchmark_counters_tabular=true
#include <benchmark/benchmark.h>

#include <random>
#include <vector>

#include "kernels/norm/norm.h"

#ifdef LSAM_HAVE_DNNL
#include <oneapi/dnnl/dnnl.hpp>
#endif

namespace lsam {
namespace {

std::vector<float> random_vector(int64_t n) {
  std::mt19937 rng(42);
  std::uniform_real_distribution<float> dist(-4.f, 4.f);
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

// Args: rows, dim. TinyViT's stages are 64 to 320 wide, SAM's transformers 256, the widest MLP input 1280.
void BM_layernorm(benchmark::State& state) {
  const int64_t rows = state.range(0), dim = state.range(1);
  const std::vector<float> x = random_vector(rows * dim), g = random_vector(dim), b = random_vector(dim);
  std::vector<float> y(x.size());
  run_timed(state, 8.0 * rows * dim,
            [&] { layernorm_f32(rows, dim, x.data(), dim, g.data(), b.data(), 1e-5f, y.data(), dim); });
}
BENCHMARK(BM_layernorm)->ArgsProduct({{4096}, {64, 128, 160, 256, 320, 1280}})->UseRealTime();

// Args: rows, dim. TinyViT's 7 x 7 window attention (49 keys), SAM's decoder attending to 4096 image tokens.
void BM_softmax(benchmark::State& state) {
  const int64_t rows = state.range(0), dim = state.range(1);
  std::vector<float> x = random_vector(rows * dim);
  run_timed(state, 8.0 * rows * dim, [&] { softmax_f32(rows, dim, x.data(), dim, x.data(), dim); });
}
BENCHMARK(BM_softmax)->Args({4096, 49})->Args({256, 4096})->Args({4096, 256})->UseRealTime();

#ifdef LSAM_HAVE_DNNL
using dnnl::memory;

void BM_dnnl_layernorm(benchmark::State& state) {
  const int64_t rows = state.range(0), dim = state.range(1);
  dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  dnnl::stream stream(engine);
  const memory::desc md({rows, dim}, memory::data_type::f32, memory::format_tag::ab);
  const dnnl::layer_normalization_forward::primitive_desc pd(
      {dnnl::prop_kind::forward_inference, md, 1e-5f,
       dnnl::normalization_flags::use_scale | dnnl::normalization_flags::use_shift},
      engine);
  std::vector<float> x = random_vector(rows * dim), y(x.size()), g = random_vector(dim), b = random_vector(dim);
  memory src(md, engine, x.data()), dst(md, engine, y.data());
  memory scale(pd.weights_desc(), engine, g.data()), shift(pd.weights_desc(), engine, b.data());
  dnnl::layer_normalization_forward ln(pd);
  state.SetLabel(pd.impl_info_str());
  run_timed(state, 8.0 * rows * dim, [&] {
    ln.execute(stream, {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst}, {DNNL_ARG_SCALE, scale}, {DNNL_ARG_SHIFT, shift}});
    stream.wait();
  });
}
BENCHMARK(BM_dnnl_layernorm)->ArgsProduct({{4096}, {64, 128, 160, 256, 320, 1280}})->UseRealTime();

void BM_dnnl_softmax(benchmark::State& state) {
  const int64_t rows = state.range(0), dim = state.range(1);
  dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  dnnl::stream stream(engine);
  const memory::desc md({rows, dim}, memory::data_type::f32, memory::format_tag::ab);
  const dnnl::softmax_forward::primitive_desc pd({dnnl::prop_kind::forward_inference, md, 1}, engine);
  std::vector<float> x = random_vector(rows * dim);
  memory data(md, engine, x.data());
  dnnl::softmax_forward softmax(pd);
  state.SetLabel(pd.impl_info_str());
  run_timed(state, 8.0 * rows * dim, [&] {
    softmax.execute(stream, {{DNNL_ARG_SRC, data}, {DNNL_ARG_DST, data}});
    stream.wait();
  });
}
BENCHMARK(BM_dnnl_softmax)->Args({4096, 49})->Args({256, 4096})->Args({4096, 256})->UseRealTime();
#endif

}  // namespace
}  // namespace lsam
