// f32 GEMM with pre-packed weights (the way models call it) beside oneDNN's matmul, at the models' shapes.
// Compare in one process, interleaved, e.g.
//   lsam_kernel_bench --benchmark_filter='BM_(gemm|dnnl)' --benchmark_repetitions=5
//     --benchmark_enable_random_interleaving=true --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <array>
#include <chrono>
#include <random>
#include <unordered_map>
#include <vector>

#include "engine/cpu.h"
#include "engine/threads.h"
#include "kernels/gemm/gemm.h"
#include "kernels/peak/peak.h"

#ifdef LSAM_HAVE_DNNL
#include <oneapi/dnnl/dnnl.hpp>
#endif

namespace lsam {
namespace {

// At the current thread count (the window shapes run on one thread).
double peak_gflops() {
  static std::unordered_map<int, double> peaks;
  const auto [it, fresh] = peaks.try_emplace(num_threads(), 0.0);
  if (fresh) it->second = measure_fma_peak_gflops(active_isa(), num_threads());
  return it->second;
}

std::vector<float> random_vector(int64_t n) {
  std::mt19937 rng(42);
  std::uniform_real_distribution<float> dist(-1.f, 1.f);
  std::vector<float> v(static_cast<size_t>(n));
  for (float& x : v) x = dist(rng);
  return v;
}

// Runs `body` in the benchmark loop and reports GFLOP/s and % of the FMA peak measured on this machine, over
// wall time (what a caller waits for; the benchmarks also UseRealTime).
template <class F>
void run_timed(benchmark::State& state, double flops, F body) {
  const double peak = peak_gflops();
  body();  // warm caches, packing buffers, JIT
  const auto start = std::chrono::steady_clock::now();
  for (auto _ : state) body();
  const std::chrono::duration<double> seconds = std::chrono::steady_clock::now() - start;
  const double gflops = flops * static_cast<double>(state.iterations()) / seconds.count() * 1e-9;
  state.counters["GFLOP/s"] = gflops;
  state.counters["peak%"] = 100 * gflops / peak;
}

// Args: M, K, N. C[M, N] = A[M, K] * W^T with W[N, K] as PyTorch stores a Linear weight; with `bias_gelu`,
// C = GELU(A * W^T + bias) as in an MLP's first layer.
void BM_gemm(benchmark::State& state, bool bias_gelu) {
  const int64_t M = state.range(0), K = state.range(1), N = state.range(2);
  const std::vector<float> A = random_vector(M * K), W = random_vector(N * K), bias = random_vector(N);
  std::vector<float> C(static_cast<size_t>(M * N));
  const PackedB B = PackedB::pack(W.data(), K, N, K, /*transposed=*/true);
  GemmEpilogue ep;
  if (bias_gelu) ep.bias = bias.data(), ep.activation = Activation::gelu;
  run_timed(state, 2.0 * M * N * K, [&] { gemm_f32(M, A.data(), K, B, C.data(), N, ep); });
}

#ifdef LSAM_HAVE_DNNL
// oneDNN's f32 matmul, primitive created and weights reordered to its preferred layout outside the loop; with
// `bias_gelu`, bias and an erf-GELU post-op.
void BM_dnnl_matmul(benchmark::State& state, bool bias_gelu) {
  using dnnl::memory;
  const int64_t M = state.range(0), K = state.range(1), N = state.range(2);
  dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  dnnl::stream stream(engine);
  const memory::desc a_md({M, K}, memory::data_type::f32, memory::format_tag::ab);
  const memory::desc w_any({K, N}, memory::data_type::f32, memory::format_tag::any);
  const memory::desc bias_md({1, N}, memory::data_type::f32, memory::format_tag::ab);
  const memory::desc c_md({M, N}, memory::data_type::f32, memory::format_tag::ab);
  dnnl::primitive_attr attr;
  if (bias_gelu) {
    dnnl::post_ops ops;
    ops.append_eltwise(1.f, dnnl::algorithm::eltwise_gelu_erf, 0.f, 0.f);
    attr.set_post_ops(ops);
  }
  const dnnl::matmul::desc desc = bias_gelu ? dnnl::matmul::desc(a_md, w_any, bias_md, c_md)
                                            : dnnl::matmul::desc(a_md, w_any, c_md);
  const dnnl::matmul::primitive_desc pd(desc, attr, engine);
  std::vector<float> A = random_vector(M * K), W = random_vector(N * K), bias = random_vector(N);
  std::vector<float> C(static_cast<size_t>(M * N));
  memory a(a_md, engine, A.data()), c(c_md, engine, C.data()), b(bias_md, engine, bias.data());
  memory w(pd.weights_desc(), engine);
  memory w_plain({{K, N}, memory::data_type::f32, memory::format_tag::ba}, engine, W.data());  // W[N, K]
  dnnl::reorder(w_plain, w).execute(stream, w_plain, w);
  dnnl::matmul matmul(pd);
  state.SetLabel(pd.impl_info_str());
  std::unordered_map<int, memory> args{{DNNL_ARG_SRC, a}, {DNNL_ARG_WEIGHTS, w}, {DNNL_ARG_DST, c}};
  if (bias_gelu) args[DNNL_ARG_BIAS] = b;
  run_timed(state, 2.0 * M * N * K, [&] {
    matmul.execute(stream, args);
    stream.wait();
  });
}
#endif

// MobileSAM's TinyViT (stage 1 at 128 x 128 tokens, dim 128; stages 2 and 3 at 64 x 64 tokens, dims 160 and
// 320: qkv, proj, MLP fc1/fc2, the neck's 1x1 conv), the acceptance grid M = 4096 x {160, 320, 640, 960}^2,
// a 1x1 conv at 128 x 128 (M = 16384, K = 64, N = 128), and SAM ViT-H (dim 1280: qkv, MLP fc1, fc2).
void shapes(benchmark::internal::Benchmark* b) {
  for (int64_t K : {160, 320, 640, 960})
    for (int64_t N : {160, 320, 640, 960}) b->Args({4096, K, N});
  b->Args({16384, 64, 128});
  for (auto [M, K, N] : {std::array<int64_t, 3>{16384, 128, 384}, {16384, 128, 512}, {16384, 512, 128},
                         {4096, 160, 480}, {4096, 320, 1280}, {4096, 1280, 320}, {4096, 320, 256}})
    b->Args({M, K, N});
  for (auto [K, N] : {std::array<int64_t, 2>{1280, 3840}, {1280, 5120}, {5120, 1280}}) b->Args({4096, K, N});
  b->ArgNames({"M", "K", "N"})->Unit(benchmark::kMillisecond)->MinTime(0.2)->UseRealTime();
}

// MLP first layers with their fused bias + GELU: TinyViT stages 1-3 and ViT-H.
void mlp_shapes(benchmark::internal::Benchmark* b) {
  for (auto [M, K, N] : {std::array<int64_t, 3>{16384, 128, 512}, {4096, 160, 640}, {4096, 320, 1280}, {4096, 1280, 5120}})
    b->Args({M, K, N});
  b->ArgNames({"M", "K", "N"})->Unit(benchmark::kMillisecond)->MinTime(0.2)->UseRealTime();
}

// One TinyViT window's qkv and proj products (49 tokens at stages 1 and 3), on one thread as the windowed
// attention runs them (each thread takes whole windows). 49 rows do not fill whole 6-row strips (ukernel.inc).
void BM_gemm_window(benchmark::State& state) {
  const int threads = num_threads();
  set_num_threads(1);
  BM_gemm(state, false);
  set_num_threads(threads);
}
void window_shapes(benchmark::internal::Benchmark* b) {
  for (auto [M, K, N] : {std::array<int64_t, 3>{49, 128, 384}, {49, 128, 128}, {49, 320, 960}, {49, 320, 320}})
    b->Args({M, K, N});
  b->ArgNames({"M", "K", "N"})->Unit(benchmark::kMicrosecond)->MinTime(0.2)->UseRealTime();
}

BENCHMARK_CAPTURE(BM_gemm, plain, false)->Apply(shapes);
BENCHMARK(BM_gemm_window)->Apply(window_shapes);
BENCHMARK_CAPTURE(BM_gemm, bias_gelu, true)->Apply(mlp_shapes);
#ifdef LSAM_HAVE_DNNL
BENCHMARK_CAPTURE(BM_dnnl_matmul, plain, false)->Apply(shapes);
BENCHMARK_CAPTURE(BM_dnnl_matmul, bias_gelu, true)->Apply(mlp_shapes);
#endif

}  // namespace
}  // namespace lsam
