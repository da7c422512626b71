#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/cpu.h"
#include "engine/threads.h"
#include "kernels/attention/attention.h"

using namespace lsam;

namespace {

std::vector<float> random_values(size_t n, std::mt19937& rng, float lo = -1.0f, float hi = 1.0f) {
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

// One attention problem with its operands. Layouts: per-head contiguous [B, H, L, D] operands, or SAM's
// fused projection [B, L, 3, H, D] (q, k, v interleaved per row); out is always [B, Lq, H * Dv].
struct Problem {
  AttentionArgs args;
  std::vector<float> q, k, v, qkv, bias, rel_h, rel_w;

  Problem(int64_t batch, int64_t heads, int64_t q_len, int64_t kv_len, int64_t qk_dim, int64_t v_dim, bool interleaved,
          uint32_t seed) {
    std::mt19937 rng(seed);
    AttentionArgs& a = args;
    a.batch = batch, a.heads = heads, a.q_len = q_len, a.kv_len = kv_len, a.qk_dim = qk_dim, a.v_dim = v_dim;
    a.scale = 1.0f / std::sqrt(static_cast<float>(qk_dim));
    if (interleaved) {
      REQUIRE(q_len == kv_len);
      REQUIRE(qk_dim == v_dim);
      const int64_t row = 3 * heads * qk_dim;
      qkv = random_values(static_cast<size_t>(batch * q_len * row), rng);
      a.q = qkv.data(), a.k = qkv.data() + heads * qk_dim, a.v = qkv.data() + 2 * heads * qk_dim;
      a.q_batch_stride = a.k_batch_stride = a.v_batch_stride = q_len * row;
      a.q_head_stride = a.k_head_stride = a.v_head_stride = qk_dim;
      a.q_row_stride = a.k_row_stride = a.v_row_stride = row;
    } else {
      q = random_values(static_cast<size_t>(batch * heads * q_len * qk_dim), rng);
      k = random_values(static_cast<size_t>(batch * heads * kv_len * qk_dim), rng);
      v = random_values(static_cast<size_t>(batch * heads * kv_len * v_dim), rng);
      a.q = q.data(), a.q_batch_stride = heads * q_len * qk_dim, a.q_head_stride = q_len * qk_dim;
      a.k = k.data(), a.k_batch_stride = heads * kv_len * qk_dim, a.k_head_stride = kv_len * qk_dim;
      a.v = v.data(), a.v_batch_stride = heads * kv_len * v_dim, a.v_head_stride = kv_len * v_dim;
      a.q_row_stride = a.k_row_stride = qk_dim, a.v_row_stride = v_dim;
    }
    a.out_batch_stride = q_len * heads * v_dim, a.out_head_stride = v_dim, a.out_row_stride = heads * v_dim;
  }

  // TinyViT: one [H, Lq, Lkv] table for every batch entry; per_batch: a distinct [B, H, Lq, Lkv] bias.
  void add_bias(bool per_batch, uint32_t seed) {
    std::mt19937 rng(seed);
    AttentionArgs& a = args;
    bias = random_values(static_cast<size_t>((per_batch ? a.batch : 1) * a.heads * a.q_len * a.kv_len), rng);
    a.bias = bias.data(), a.bias_row_stride = a.kv_len, a.bias_head_stride = a.q_len * a.kv_len;
    a.bias_batch_stride = per_batch ? a.heads * a.q_len * a.kv_len : 0;
  }

  // SAM's decomposed rel-pos over a kv_h x kv_w key grid, per (b, h, query row).
  void add_rel_pos(int64_t kv_w, uint32_t seed) {
    std::mt19937 rng(seed);
    AttentionArgs& a = args;
    const int64_t kv_h = a.kv_len / kv_w, rows = a.batch * a.heads * a.q_len;
    rel_h = random_values(static_cast<size_t>(rows * kv_h), rng);
    rel_w = random_values(static_cast<size_t>(rows * kv_w), rng);
    a.kv_w = kv_w;
    a.rel_h = rel_h.data(), a.rel_h_row_stride = kv_h, a.rel_h_head_stride = a.q_len * kv_h,
    a.rel_h_batch_stride = a.heads * a.q_len * kv_h;
    a.rel_w = rel_w.data(), a.rel_w_row_stride = kv_w, a.rel_w_head_stride = a.q_len * kv_w,
    a.rel_w_batch_stride = a.heads * a.q_len * kv_w;
  }

  std::vector<float> run(void (*fn)(const AttentionArgs&)) {
    std::vector<float> out(static_cast<size_t>(args.batch * args.q_len * args.heads * args.v_dim), NAN);
    AttentionArgs a = args;
    a.out = out.data();
    fn(a);
    return out;
  }

  // Error budget, with unit roundoff u = 2^-24, head dim d, and every |q|, |k|, |v|, bias and rel-pos term
  // <= 1, so |score| <= smax = d scale + 3:
  //  - a score is a d-term f32 dot product, off by <= d u sum|q k| scale <= d u smax, and folding the scale,
  //    the bias, the rel-pos terms and log2(e) and subtracting the max round a few more times: <= 4 u smax;
  //  - an error e in a score scales that key's weight by (1 + e) in both the weighted sum of values and the
  //    sum of weights, so it moves the output (a convex combination of |v| <= 1) by <= 2 e;
  //  - the weighted sum over kv_len keys and the running sum of weights each add <= kv_len u;
  //  - exp2's polynomial (~3 u) and the per-block rescales and the final division add a few u more.
  // The double-precision reference is exact at this scale, so this bounds |fused - ref| outright (observed
  // errors are ~1e-7; dropping or double-counting one key of a few hundred shows up as ~1e-3).
  float tolerance() const {
    const double u = std::ldexp(1.0, -24), d = static_cast<double>(args.qk_dim), smax = d * args.scale + 3;
    return static_cast<float>(u * (2 * (d + 4) * smax + 2 * static_cast<double>(args.kv_len) + 64));
  }
};

// Every fused variant this CPU runs (the portable one included) against the reference.
void check_all_isas(Problem& p) {
  const std::vector<float> ref = p.run(attention_f32_ref);
  const Isa saved = active_isa();
  for (Isa isa : {Isa::scalar, Isa::avx2, Isa::avx512}) {
    if (!isa_supported(isa)) continue;
    set_active_isa(isa);
    const std::vector<float> got = p.run(attention_f32);
    const float tol = p.tolerance();
    float worst = 0;
    size_t bad = 0;
    for (size_t i = 0; i < ref.size(); ++i) {
      const float err = std::fabs(got[i] - ref[i]);
      if (!(err <= tol)) ++bad;
      worst = std::fmax(worst, std::isnan(err) ? INFINITY : err);
    }
    INFO("isa ", std::string(isa_name(isa)), ": batch ", p.args.batch, " heads ", p.args.heads, " q_len ", p.args.q_len,
         " kv_len ", p.args.kv_len, " dims ", p.args.qk_dim, "/", p.args.v_dim, ", worst error ", worst, " (tolerance ",
         tol, ")");
    CHECK(bad == 0);
  }
  set_active_isa(saved);
}

constexpr int64_t kLengths[] = {1, 7, 49, 50, 196, 257};
constexpr int64_t kHeadDims[] = {16, 32, 33, 64, 80};

}  // namespace

TEST_CASE("fused attention matches the reference over lengths and head dims") {
  uint32_t seed = 1;
  for (int64_t q_len : kLengths)
    for (int64_t kv_len : kLengths) {
      const int64_t dim = kHeadDims[seed % 5];
      Problem p(2, 2, q_len, kv_len, dim, dim, false, seed++);
      check_all_isas(p);
    }
  // Different q/k and v head dims, and a long key axis: several key blocks and a tail block.
  Problem narrow_v(1, 3, 50, 257, 33, 16, false, 100);
  check_all_isas(narrow_v);
  Problem wide_v(2, 1, 7, 600, 16, 80, false, 101);
  check_all_isas(wide_v);
  Problem long_rows(1, 1, 700, 700, 64, 64, false, 102);
  check_all_isas(long_rows);
}

TEST_CASE("fused attention on an interleaved qkv projection") {
  for (int64_t len : {7, 49, 196}) {
    Problem p(3, 4, len, len, 32, 32, true, static_cast<uint32_t>(200 + len));
    check_all_isas(p);
  }
  Problem sam_window(2, 2, 50, 50, 80, 80, true, 300);
  check_all_isas(sam_window);
}

TEST_CASE("fused attention with an additive bias") {
  for (bool per_batch : {false, true})
    for (int64_t len : {1, 49, 50, 257}) {
      Problem p(3, 2, len, len, 32, 32, true, static_cast<uint32_t>(400 + len));
      p.add_bias(per_batch, 500 + static_cast<uint32_t>(len));
      check_all_isas(p);
    }
  Problem cross(2, 2, 7, 300, 16, 16, false, 600);  // mask-decoder-like: few queries, many keys
  cross.add_bias(true, 601);
  check_all_isas(cross);
}

TEST_CASE("fused attention with masked (-inf) keys") {
  // Row 0 sees only the last 20 of 600 keys, so its first key blocks are fully masked; row 1 masks every
  // other key; the rest are dense.
  Problem p(1, 2, 9, 600, 32, 32, false, 700);
  p.add_bias(false, 701);
  for (int64_t h = 0; h < 2; ++h) {
    float* table = p.bias.data() + h * 9 * 600;
    for (int64_t j = 0; j < 580; ++j) table[j] = -INFINITY;
    for (int64_t j = 0; j < 600; j += 2) table[600 + j] = -INFINITY;
  }
  check_all_isas(p);
}

TEST_CASE("fused attention with decomposed relative positions") {
  struct Grid {
    int64_t q_len, kv_h, kv_w;
  };
  // SAM windows (14 x 14), a grid wider than a vector, one spanning key blocks (17 x 17 = 289), a
  // non-square grid and a single-column grid.
  for (Grid g : {Grid{49, 7, 7}, Grid{196, 14, 14}, Grid{50, 17, 17}, Grid{33, 5, 40}, Grid{8, 300, 1}}) {
    Problem p(2, 2, g.q_len, g.kv_h * g.kv_w, 80, 80, false, static_cast<uint32_t>(800 + g.kv_w));
    p.add_rel_pos(g.kv_w, static_cast<uint32_t>(900 + g.kv_w));
    check_all_isas(p);
  }
  Problem both(2, 3, 49, 49, 32, 32, true, 1000);
  both.add_rel_pos(7, 1001);
  both.add_bias(false, 1002);
  check_all_isas(both);
}

TEST_CASE("fused attention is identical for any thread count") {
  Problem p(2, 3, 100, 300, 64, 64, false, 1100);
  p.add_bias(true, 1101);
  const int saved = num_threads();
  set_num_threads(1);
  const std::vector<float> one = p.run(attention_f32);
  set_num_threads(3);
  const std::vector<float> three = p.run(attention_f32);
  set_num_threads(saved);
  CHECK(std::memcmp(one.data(), three.data(), one.size() * sizeof(float)) == 0);
}

TEST_CASE("fused attention rejects inconsistent arguments") {
  Problem p(1, 1, 4, 6, 8, 8, false, 1200);
  std::vector<float> out(32);
  AttentionArgs a = p.args;
  a.out = out.data();
  CHECK_NOTHROW(attention_f32(a));
  AttentionArgs no_keys = a;
  no_keys.kv_len = 0;
  CHECK_THROWS_AS(attention_f32(no_keys), std::invalid_argument);
  std::vector<float> rel(64);
  AttentionArgs half_rel = a;
  half_rel.rel_h = rel.data(), half_rel.kv_w = 3;
  CHECK_THROWS_AS(attention_f32(half_rel), std::invalid_argument);
  AttentionArgs bad_grid = half_rel;
  bad_grid.rel_w = rel.data(), bad_grid.kv_w = 4;
  CHECK_THROWS_AS(attention_f32(bad_grid), std::invalid_argument);
}
