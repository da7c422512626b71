// Fused attention beside the unfused sequence it replaces (GEMM S = Q K^T, row softmax, GEMM O = P V with
// S materialised), at the shapes MobileSAM and SAM run. Both count only the two matmuls' FLOPs,
// 2 * Lq * Lkv * (Dqk + Dv) per head, so their GFLOP/s compare directly. oneDNN has no plain attention
// primitive (only its graph API), so it is not beside these. Compare in one process, interleaved, e.g.
//   lsam_kernel_bench --benchmark_filter=attention --benchmark_repetitions=3
//     --benchmark_enable_random_interleaving=true --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <time.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "engine/cpu.h"
#include "engine/threads.h"
#include "kernels/attention/attention.h"
#include "kernels/gemm/gemm.h"
#include "kernels/norm/norm.h"
#include "kernels/peak/peak.h"

namespace lsam {
namespace {

double peak_gflops() {
  static const double peak = measure_fma_peak_gflops(active_isa(), num_threads());
  return peak;
}

std::vector<float> random_vector(int64_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-1.f, 1.f);
  std::vector<float> v(static_cast<size_t>(n));
  for (float& x : v) x = dist(rng);
  return v;
}

// Where q, k, v and out live, as the graph code lays them out.
enum class Layout {
  per_head,  // q [B, H, Lq, D], k and v [B, H, Lkv, D], out [B, H, Lq, D], each head contiguous
  qkv,       // TinyViT: one projection [B, L, H, 3, D] (per token and head: q | k | v), out [B, L, H * D]
  tokens,    // SAM mask decoder: q [B, Lq, H * D], k and v [B, Lkv, H * D], out [B, Lq, H * D]
};

struct Shape {
  const char* name;
  int64_t batch, heads, q_len, kv_len, head_dim;
  bool bias;     // TinyViT: one [heads, L, L] table broadcast over the windows
  int64_t kv_w;  // SAM ViT: decomposed rel-pos over a (kv_len / kv_w) x kv_w key grid; 0 = none
  Layout layout = Layout::per_head;
};

constexpr Shape kShapes[] = {
    // The acceptance shape: one 4096-token sequence (a 64 x 64 grid), 4 heads of 64.
    {"seq4096_hd64", 1, 4, 4096, 4096, 64, false, 0},
    // SAM ViT-H: global attention over the 64 x 64 grid with rel-pos (2 of its 16 heads, to keep runs short),
    // and 14 x 14 windows (the grid padded to 70 x 70: 25 windows) with all 16 heads.
    {"vith_global_rel", 1, 2, 4096, 4096, 80, false, 64},
    {"vith_window_rel", 25, 16, 196, 196, 80, false, 14},
    // MobileSAM TinyViT (graph/tiny_vit.cpp), q, k and v read in place from the qkv projection: stage 1
    // (128 x 128 tokens padded to 133 x 133, 7 x 7 windows, 4 heads), stage 2 (64 x 64 padded to 70 x 70,
    // 14 x 14 windows, 5 heads), stage 3 (64 x 64 padded to 70 x 70, 7 x 7 windows, 10 heads); head dim 32.
    {"tinyvit_s1", 361, 4, 49, 49, 32, true, 0, Layout::qkv},
    {"tinyvit_s2", 25, 5, 196, 196, 32, true, 0, Layout::qkv},
    {"tinyvit_s3", 100, 10, 49, 49, 32, true, 0, Layout::qkv},
    // The same with a few windows, so that the operands stay in L2: the kernel's own speed, without the
    // stalls on a projection larger than L3.
    {"tinyvit_s1_l2", 8, 4, 49, 49, 32, true, 0, Layout::qkv},
    {"tinyvit_s2_l2", 2, 5, 196, 196, 32, true, 0, Layout::qkv},
    // SAM mask decoder cross attention (graph/sam_mask_decoder.cpp, 8 heads of 16 in 128 channels): the 7
    // tokens to the 4096 image tokens, and back.
    {"decoder_t2i", 1, 8, 7, 4096, 16, false, 0, Layout::tokens},
    {"decoder_i2t", 1, 8, 4096, 7, 16, false, 0, Layout::tokens},
};

// Operands of one shape, per-head contiguous: q [B * H, Lq, D], k and v [B * H, Lkv, D], out [B * H, Lq, D].
struct Problem {
  AttentionArgs args;
  std::vector<float> q, k, v, out, bias, rel_h, rel_w;

  explicit Problem(const Shape& s)
      : q(random_vector(s.batch * s.heads * s.q_len * s.head_dim, 1)),
        k(random_vector(s.batch * s.heads * s.kv_len * s.head_dim, 2)),
        v(random_vector(s.batch * s.heads * s.kv_len * s.head_dim, 3)),
        out(static_cast<size_t>(s.batch * s.heads * s.q_len * s.head_dim)) {
    AttentionArgs& a = args;
    a.batch = s.batch, a.heads = s.heads, a.q_len = s.q_len, a.kv_len = s.kv_len;
    a.qk_dim = a.v_dim = s.head_dim;
    a.scale = 1.0f / std::sqrt(static_cast<float>(s.head_dim));
    const int64_t d = s.head_dim, c = s.heads * d;
    switch (s.layout) {
      case Layout::per_head:
        a.q = q.data(), a.q_batch_stride = s.heads * s.q_len * d, a.q_head_stride = s.q_len * d, a.q_row_stride = d;
        a.k = k.data(), a.k_batch_stride = s.heads * s.kv_len * d, a.k_head_stride = s.kv_len * d;
        a.k_row_stride = d;
        a.v = v.data(), a.v_batch_stride = s.heads * s.kv_len * d, a.v_head_stride = s.kv_len * d;
        a.v_row_stride = d;
        a.out = out.data(), a.out_batch_stride = s.heads * s.q_len * d, a.out_head_stride = s.q_len * d;
        a.out_row_stride = d;
        break;
      case Layout::qkv:  // q_len == kv_len: q holds the whole projection, k and v stay empty
        q = random_vector(s.batch * s.q_len * 3 * c, 1);
        a.q = q.data(), a.k = q.data() + d, a.v = q.data() + 2 * d;
        a.q_batch_stride = a.k_batch_stride = a.v_batch_stride = s.q_len * 3 * c;
        a.q_head_stride = a.k_head_stride = a.v_head_stride = 3 * d;
        a.q_row_stride = a.k_row_stride = a.v_row_stride = 3 * c;
        break;
      case Layout::tokens:
        a.q = q.data(), a.q_batch_stride = s.q_len * c;
        a.k = k.data(), a.k_batch_stride = s.kv_len * c;
        a.v = v.data(), a.v_batch_stride = s.kv_len * c;
        a.q_head_stride = a.k_head_stride = a.v_head_stride = d;
        a.q_row_stride = a.k_row_stride = a.v_row_stride = c;
        break;
    }
    if (s.layout != Layout::per_head) {
      a.out = out.data(), a.out_batch_stride = s.q_len * c, a.out_head_stride = d, a.out_row_stride = c;
    }
    if (s.bias) {
      bias = random_vector(s.heads * s.q_len * s.kv_len, 4);
      a.bias = bias.data(), a.bias_head_stride = s.q_len * s.kv_len, a.bias_row_stride = s.kv_len;
    }
    if (s.kv_w) {
      const int64_t kv_h = s.kv_len / s.kv_w, rows = s.batch * s.heads * s.q_len;
      rel_h = random_vector(rows * kv_h, 5);
      rel_w = random_vector(rows * s.kv_w, 6);
      a.kv_w = s.kv_w;
      a.rel_h = rel_h.data(), a.rel_h_batch_stride = s.heads * s.q_len * kv_h, a.rel_h_head_stride = s.q_len * kv_h;
      a.rel_h_row_stride = kv_h;
      a.rel_w = rel_w.data(), a.rel_w_batch_stride = s.heads * s.q_len * s.kv_w;
      a.rel_w_head_stride = s.q_len * s.kv_w, a.rel_w_row_stride = s.kv_w;
    }
  }

  double flops() const {
    return 2.0 * args.batch * args.heads * args.q_len * args.kv_len * (args.qk_dim + args.v_dim);
  }
};

// The unfused baseline, on heads in groups whose scores fit a 64 MiB buffer: batched GEMM S = (scale Q) K^T,
// the bias and rel-pos terms added in one pass, softmax_f32 over the rows, batched GEMM O = P V.
struct Unfused {
  const AttentionArgs& a;
  int64_t group;
  std::vector<float> scaled_q, scores;

  explicit Unfused(const AttentionArgs& args)
      : a(args),
        group(std::max<int64_t>(1, (int64_t{16} << 20) / (args.q_len * args.kv_len))),
        scaled_q(static_cast<size_t>(args.batch * args.heads * args.q_len * args.qk_dim)),
        scores(static_cast<size_t>(std::min(group, args.batch * args.heads) * args.q_len * args.kv_len)) {}

  void add_terms(int64_t first_head, int64_t count) {
    const int64_t rows = count * a.q_len;
#pragma omp parallel for schedule(static) num_threads(available_threads())
    for (int64_t r = 0; r < rows; ++r) {
      const int64_t bh = first_head + r / a.q_len, i = r % a.q_len, b = bh / a.heads, h = bh % a.heads;
      float* s = scores.data() + r * a.kv_len;
      if (a.bias) {
        const float* bias = a.bias + b * a.bias_batch_stride + h * a.bias_head_stride + i * a.bias_row_stride;
        for (int64_t j = 0; j < a.kv_len; ++j) s[j] += bias[j];
      }
      if (a.rel_h) {
        const float* rh = a.rel_h + b * a.rel_h_batch_stride + h * a.rel_h_head_stride + i * a.rel_h_row_stride;
        const float* rw = a.rel_w + b * a.rel_w_batch_stride + h * a.rel_w_head_stride + i * a.rel_w_row_stride;
        for (int64_t j = 0; j < a.kv_len; ++j) s[j] += rh[j / a.kv_w] + rw[j % a.kv_w];
      }
    }
  }

  void operator()() {
    const int64_t heads = a.batch * a.heads, lq = a.q_len, lk = a.kv_len, d = a.qk_dim, dv = a.v_dim;
    for (size_t i = 0; i < scaled_q.size(); ++i) scaled_q[i] = a.q[i] * a.scale;
    for (int64_t first = 0; first < heads; first += group) {
      const int64_t count = std::min(group, heads - first);
      gemm_f32_batched(count, lq, lk, d, scaled_q.data() + first * lq * d, d, lq * d, false, a.k + first * lk * d, d,
                       lk * d, true, scores.data(), lk, lq * lk);
      if (a.bias || a.rel_h) add_terms(first, count);
      softmax_f32(count * lq, lk, scores.data(), lk, scores.data(), lk);
      gemm_f32_batched(count, lq, dv, lk, scores.data(), lk, lq * lk, false, a.v + first * lk * dv, dv, lk * dv, false,
                       a.out + first * lq * dv, dv, lq * dv);
    }
  }
};

double process_cpu_seconds() {
  timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

// GFLOP/s and % of the measured FMA peak over wall time, as the other kernel benchmarks report them, and
// GFLOP/s_cpu over the process's CPU time divided by the thread count: the rate while the threads actually
// run, which on a machine shared with other jobs is the steadier figure (idle spinning at the end still counts).
template <class F>
void run_timed(benchmark::State& state, double flops, F body) {
  const double peak = peak_gflops();
  body();  // warm caches and per-thread scratch
  const double cpu_start = process_cpu_seconds();
  for (auto _ : state) body();
  const double cpu = (process_cpu_seconds() - cpu_start) / num_threads();
  state.counters["GFLOP/s"] = benchmark::Counter(flops * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["peak%"] =
      benchmark::Counter(100 * flops * 1e-9 / peak, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["GFLOP/s_cpu"] = flops * 1e-9 * static_cast<double>(state.iterations()) / cpu;
}

void BM_attention_fused(benchmark::State& state, Shape shape) {
  Problem p(shape);
  run_timed(state, p.flops(), [&] { attention_f32(p.args); });
}

void BM_attention_unfused(benchmark::State& state, Shape shape) {
  Problem p(shape);
  Unfused unfused(p.args);
  run_timed(state, p.flops(), [&] { unfused(); });
}

const bool registered = [] {
  for (const Shape& s : kShapes) {
    benchmark::RegisterBenchmark((std::string("attention_fused/") + s.name).c_str(), BM_attention_fused, s)
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime();
    if (s.layout != Layout::per_head) continue;  // the unfused baseline takes per-head operands only
    benchmark::RegisterBenchmark((std::string("attention_unfused/") + s.name).c_str(), BM_attention_unfused, s)
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime();
  }
  return true;
}();

}  // namespace
}  // namespace lsam
