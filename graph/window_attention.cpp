#include "graph/window_attention.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/profiler.h"
#include "engine/threads.h"
#include "kernels/attention/attention.h"
#include "kernels/attention/window.h"
#include "kernels/eltwise/eltwise.h"
#include "kernels/gemm/gemm.h"
#include "kernels/norm/norm.h"

namespace lsam::graph {
namespace {

// Attention over `windows` consecutive windows of kv_len qkv rows each (per token [head][q | k | v]), all
// heads, the first q_rows queries of each; out rows are C wide. bias is [heads, bias_rows >= q_rows, kv_len],
// shared by the windows.
AttentionArgs window_args(const WindowAttention& w, int64_t C, int64_t windows, int64_t q_rows, int64_t kv_len,
                          const float* bias, int64_t bias_rows, const float* qkv, float* out) {
  const int64_t hd = C / w.heads;
  AttentionArgs a;
  a.batch = windows;
  a.heads = w.heads;
  a.q_len = q_rows;
  a.kv_len = kv_len;
  a.qk_dim = a.v_dim = hd;
  a.scale = 1.0f / std::sqrt(static_cast<float>(hd));
  a.q = qkv;
  a.k = qkv + hd;
  a.v = qkv + 2 * hd;
  a.q_batch_stride = a.k_batch_stride = a.v_batch_stride = kv_len * 3 * C;
  a.q_head_stride = a.k_head_stride = a.v_head_stride = 3 * hd;
  a.q_row_stride = a.k_row_stride = a.v_row_stride = 3 * C;
  a.out = out;
  a.out_batch_stride = kv_len * C;
  a.out_head_stride = hd;
  a.out_row_stride = C;
  a.bias = bias;
  a.bias_batch_stride = 0;
  a.bias_head_stride = bias_rows * kv_len;
  a.bias_row_stride = kv_len;
  return a;
}

}  // namespace

Tensor WindowAttention::make_qkv_pad(const LayerNorm& norm, const Linear& qkv) {
  return qkv(norm.bias.reshape({1, norm.bias.numel()})).reshape({qkv.out});
}

Tensor WindowAttention::operator()(const Tensor& x, Schedule schedule) const {
  const int64_t C = norm.weight.numel(), T = window * window;
  if (x.dtype() != DType::f32 || x.rank() != 4 || x.dim(0) != 1 || x.dim(1) != x.dim(2) || x.dim(3) != C)
    throw std::invalid_argument("window attention: input " + x.describe() + " is not a square [1, R, R, " +
                                std::to_string(C) + "] map");
  if (heads < 1 || C % heads != 0 || window < 1 || qkv.in != C || qkv.out != 3 * C || proj.in != C ||
      proj.out != C || qkv_pad.numel() != 3 * C || bias.shape() != Shape{heads, T, T})
    throw std::invalid_argument("window attention: weights do not fit " + std::to_string(heads) + " heads of " +
                                std::to_string(C) + " channels in " + std::to_string(window) + "-token windows");
  const int64_t grid = (x.dim(1) + window - 1) / window;
  if (schedule == Schedule::automatic)
    schedule = grid * grid >= 8 * available_threads() ? Schedule::per_window : Schedule::per_op;
  return schedule == Schedule::per_window ? per_window(x.contiguous()) : per_op(x.contiguous());
}

// A window at the bottom or right edge holds n = rows x cols < T real tokens; the rest are padding, whose qkv
// rows are all qkv_pad. Their keys are identical, so for a query with score s against that key they add
// sum_t e^(s + b_t) v_pad = e^(s + log sum_t e^b_t) v_pad: one key whose bias is the log-sum-exp of theirs.
// The window then attends over its n real tokens, packed row-major, and that one key, with this bias
// [heads, n, n + 1]; padding queries are cropped away, so they are not computed. At MobileSAM's 64 x 64 stage
// in 14 x 14 windows this is 18% fewer scores, at 128 x 128 in 7 x 7 windows 6%.
const std::vector<float>& WindowAttention::edge_bias(int64_t rows, int64_t cols) const {
  const std::lock_guard<std::mutex> lock(edge_biases_->mutex);
  std::vector<float>& merged = edge_biases_->biases[{bias.data<float>(), rows, cols}];
  if (!merged.empty()) return merged;
  const int64_t ws = window, T = ws * ws, n = rows * cols;
  const auto place = [&](int64_t i) { return i / cols * ws + i % cols; };  // packed token -> window position
  std::vector<int64_t> padding;
  for (int64_t t = 0; t < T; ++t)
    if (t / ws >= rows || t % ws >= cols) padding.push_back(t);
  merged.resize(static_cast<size_t>(heads * n * (n + 1)));
  for (int64_t h = 0; h < heads; ++h)
    for (int64_t i = 0; i < n; ++i) {
      const float* row = bias.data<float>() + (h * T + place(i)) * T;
      float* dst = merged.data() + (h * n + i) * (n + 1);
      for (int64_t j = 0; j < n; ++j) dst[j] = row[place(j)];
      double top = -HUGE_VAL, sum = 0;
      for (int64_t t : padding) top = std::max(top, static_cast<double>(row[t]));
      for (int64_t t : padding) sum += std::exp(static_cast<double>(row[t]) - top);
      dst[n] = static_cast<float>(top + std::log(sum));
    }
  return merged;
}

Tensor WindowAttention::per_window(const Tensor& x) const {
  const int64_t R = x.dim(1), C = x.dim(3), ws = window, T = ws * ws;
  const int64_t grid = (R + ws - 1) / ws, windows = grid * grid;
  const auto extent = [&](int64_t cell) { return std::min(ws, R - cell * ws); };
  // A window of n real tokens attends over them and, if it has padding, the merged key.
  const auto keys = [&](int64_t n) { return n == T ? T : n + 1; };
  // Window i's bias (the full table, or its edge shape's merged one) and FLOPs (qkv and proj on its real
  // tokens, attention of those tokens over its keys).
  std::vector<const float*> biases(static_cast<size_t>(windows));
  std::vector<int64_t> flops(static_cast<size_t>(windows));
  for (int64_t i = 0; i < windows; ++i) {
    const int64_t rows = extent(i / grid), cols = extent(i % grid), n = rows * cols;
    biases[static_cast<size_t>(i)] = n == T ? bias.data<float>() : edge_bias(rows, cols).data();
    flops[static_cast<size_t>(i)] = 8 * n * C * C + 4 * n * keys(n) * C;
  }
  LSAM_PROFILE("window_attention", static_cast<double>(std::accumulate(flops.begin(), flops.end(), int64_t{0})),
               4.0 * (2.0 * R * R * C + 4.0 * C * C + heads * T * T));
  // Threads claim windows largest first, so that the last ones claimed are the smallest: the 9 edge windows of
  // a 64 x 64 map in 14 x 14 windows are under half the size of the 16 others.
  std::vector<int64_t> order(static_cast<size_t>(windows));
  std::iota(order.begin(), order.end(), int64_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](int64_t a, int64_t b) { return flops[static_cast<size_t>(a)] > flops[static_cast<size_t>(b)]; });

  Tensor y = Tensor::empty(x.shape());
  const float* in = x.data<float>();
  float* out = y.data<float>();
  parallel_claim(windows, [&](const auto& next) {
    const Tensor scratch = Tensor::empty({T, 4 * C});
    float* qkv_rows = scratch.data<float>();  // [keys, 3C]; proj's output once the attention has read it
    float* rows_c = qkv_rows + T * 3 * C;     // [n, C]: normed tokens, then the attention's output
    GemmEpilogue qkv_bias, proj_bias;
    qkv_bias.bias = qkv.bias.defined() ? qkv.bias.data<float>() : nullptr;
    proj_bias.bias = proj.bias.defined() ? proj.bias.data<float>() : nullptr;
    for (int64_t claimed; (claimed = next()) >= 0;) {
      const int64_t i = order[static_cast<size_t>(claimed)];
      const int64_t wy = i / grid, wx = i % grid, rows = extent(wy), cols = extent(wx), n = rows * cols;
      const float* corner = in + (wy * ws * R + wx * ws) * C;
      for (int64_t r = 0; r < rows; ++r)
        layernorm_f32(cols, C, corner + r * R * C, C, norm.weight.data<float>(), norm.bias.data<float>(), norm.eps,
                      rows_c + r * cols * C, C);
      gemm_f32(n, rows_c, C, qkv.weight, qkv_rows, 3 * C, qkv_bias);
      const int64_t kv_len = keys(n);
      if (kv_len > n)  // the merged padding key
        std::memcpy(qkv_rows + n * 3 * C, qkv_pad.data<float>(), static_cast<size_t>(3 * C) * sizeof(float));

      attention_f32(window_args(*this, C, 1, n, kv_len, biases[static_cast<size_t>(i)], n, qkv_rows, rows_c));

      float* projected = qkv_rows;
      gemm_f32(n, rows_c, C, proj.weight, projected, C, proj_bias);
      // The shortcut, added as the GEMM epilogue would add it, one row of the window at a time.
      for (int64_t r = 0; r < rows; ++r) {
        const int64_t offset = (corner - in) + r * R * C;
        add_f32(cols * C, projected + r * cols * C, in + offset, out + offset);
      }
    }
  });
  return y;
}

// Each op over the whole map. Where the padding is a large share of the windows (16% at MobileSAM's 64 x 64
// stages) norm and qkv run on the real tokens only and the partition pads the qkv windows with qkv_pad. That
// partition moves 3C floats a token instead of C, so elsewhere (7% at 128 x 128) the map is partitioned with
// zero tokens first, as TinyViT does (measured: the copying costs as much as the GEMM rows it saves there).
Tensor WindowAttention::per_op(const Tensor& x) const {
  const int64_t R = x.dim(1), C = x.dim(3), ws = window, T = ws * ws;
  const int64_t grid = (R + ws - 1) / ws, windows = grid * grid;
  const bool real_tokens_only = (windows * T - R * R) * 100 >= 15 * windows * T;

  Tensor tokens, qkv_windows;
  if (real_tokens_only) {
    const Tensor qkv_tokens = qkv(norm(x));
    qkv_windows = Tensor::empty({windows, T, 3 * C});
    window_partition_f32(qkv_tokens.data<float>(), 1, R, R, 3 * C, ws, qkv_windows.data<float>(),
                         qkv_pad.data<float>());
  } else {
    tokens = Tensor::empty({windows, T, C});
    window_partition_f32(x.data<float>(), 1, R, R, C, ws, tokens.data<float>());
    qkv_windows = qkv(norm(tokens));
  }
  Tensor mixed = Tensor::empty({windows, T, C});
  // The bottom row of windows: queries below the map would be cropped away, so where they never reach proj
  // only the real rows' queries are computed.
  const int64_t rows = R - (grid - 1) * ws;
  if (real_tokens_only && rows < ws) {
    attention_f32(window_args(*this, C, windows - grid, T, T, bias.data<float>(), T, qkv_windows.data<float>(),
                              mixed.data<float>()));
    const int64_t first = windows - grid;
    attention_f32(window_args(*this, C, grid, rows * ws, T, bias.data<float>(), T,
                              qkv_windows.data<float>() + first * T * 3 * C, mixed.data<float>() + first * T * C));
  } else {
    attention_f32(window_args(*this, C, windows, T, T, bias.data<float>(), T, qkv_windows.data<float>(),
                              mixed.data<float>()));
  }

  Tensor y = Tensor::empty(x.shape());
  if (real_tokens_only) {
    window_unpartition_f32(mixed.data<float>(), 1, R, R, C, ws, y.data<float>());
    return proj(y, Activation::none, &x);
  }
  const Tensor out = proj(mixed, Activation::none, &tokens);  // residual added in window layout
  window_unpartition_f32(out.data<float>(), 1, R, R, C, ws, y.data<float>());
  return y;
}

}  // namespace lsam::graph
