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

// One window's attention over its T tokens of qkv rows (per token [head][q | k | v]), all heads, the first
// q_rows queries; out rows are C wide.
AttentionArgs window_args(const WindowAttention& w, int64_t C, int64_t windows, int64_t q_rows, const float* qkv,
                          float* out) {
  const int64_t T = w.window * w.window, hd = C / w.heads;
  AttentionArgs a;
  a.batch = windows;
  a.heads = w.heads;
  a.q_len = q_rows;
  a.kv_len = T;
  a.qk_dim = a.v_dim = hd;
  a.scale = 1.0f / std::sqrt(static_cast<float>(hd));
  a.q = qkv;
  a.k = qkv + hd;
  a.v = qkv + 2 * hd;
  a.q_batch_stride = a.k_batch_stride = a.v_batch_stride = T * 3 * C;
  a.q_head_stride = a.k_head_stride = a.v_head_stride = 3 * hd;
  a.q_row_stride = a.k_row_stride = a.v_row_stride = 3 * C;
  a.out = out;
  a.out_batch_stride = T * C;
  a.out_head_stride = hd;
  a.out_row_stride = C;
  a.bias = w.bias.data<float>();
  a.bias_batch_stride = 0;
  a.bias_head_stride = T * T;
  a.bias_row_stride = T;
  return a;
}

// Moves the tokens (r, c), r < rows and c < cols, of a window from index from + r * src_width + c to index
// r * dst_width + c (indices in tokens of `floats` floats): a narrow window's tokens between packed row-major
// order (width cols) and their places in the window (width window). No token moves to a higher index, so
// moving them in ascending order never overwrites one not yet moved.
void move_tokens(float* buf, int64_t floats, int64_t rows, int64_t cols, int64_t from, int64_t src_width,
                 int64_t dst_width) {
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c) {
      const int64_t src = from + r * src_width + c, dst = r * dst_width + c;
      if (src != dst) std::memmove(buf + dst * floats, buf + src * floats, static_cast<size_t>(floats) * sizeof(float));
    }
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

// A window at the bottom or right edge holds rows x cols < window x window real tokens. Its norm, qkv and proj
// run on the real tokens only, gathered row-major; the padding tokens' qkv rows are copies of qkv_pad, and its
// queries below the last real row are skipped (each real query still attends to all T keys).
Tensor WindowAttention::per_window(const Tensor& x) const {
  const int64_t R = x.dim(1), C = x.dim(3), ws = window, T = ws * ws;
  const int64_t grid = (R + ws - 1) / ws, windows = grid * grid;
  const auto extent = [&](int64_t cell) { return std::min(ws, R - cell * ws); };

  // The FLOPs of each window: qkv and proj on its real tokens, attention of its real query rows.
  std::vector<int64_t> flops(static_cast<size_t>(windows));
  for (int64_t i = 0; i < windows; ++i) {
    const int64_t rows = extent(i / grid), cols = extent(i % grid);
    flops[static_cast<size_t>(i)] = 8 * rows * cols * C * C + 4 * rows * ws * T * C;
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
    float* qkv_rows = scratch.data<float>();  // [T, 3C]; proj's output once the attention has read it
    float* rows_c = qkv_rows + T * 3 * C;     // [T, C]: normed tokens, then the attention's output
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
      // A narrow window's qkv is computed at the end of the buffer and spread into place.
      const int64_t at = cols == ws ? 0 : T - n;
      gemm_f32(n, rows_c, C, qkv.weight, qkv_rows + at * 3 * C, 3 * C, qkv_bias);
      if (cols != ws) move_tokens(qkv_rows, 3 * C, rows, cols, at, cols, ws);
      for (int64_t t = 0; t < T; ++t)
        if (t / ws >= rows || t % ws >= cols)
          std::memcpy(qkv_rows + t * 3 * C, qkv_pad.data<float>(), static_cast<size_t>(3 * C) * sizeof(float));

      attention_f32(window_args(*this, C, 1, rows * ws, qkv_rows, rows_c));

      if (cols != ws) move_tokens(rows_c, C, rows, cols, 0, ws, cols);
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
    attention_f32(window_args(*this, C, windows - grid, T, qkv_windows.data<float>(), mixed.data<float>()));
    const int64_t first = windows - grid;
    attention_f32(window_args(*this, C, grid, rows * ws, qkv_windows.data<float>() + first * T * 3 * C,
                              mixed.data<float>() + first * T * C));
  } else {
    attention_f32(window_args(*this, C, windows, T, qkv_windows.data<float>(), mixed.data<float>()));
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
