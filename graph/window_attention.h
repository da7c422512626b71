// TinyViT's attention half of a block, with its pre-norm and shortcut: x + proj(attention(qkv(norm(x)))), where
// the attention runs inside window x window tiles of the map and zero tokens pad it to whole windows (TinyViT's
// F.pad before the split; their outputs are cropped away).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <tuple>
#include <vector>

#include "engine/tensor.h"
#include "graph/ops.h"

namespace lsam::graph {

struct WindowAttention {
  LayerNorm norm;
  Linear qkv, proj;   // qkv's output per token: [head][q | k | v], head_dim = C / heads each
  Tensor qkv_pad;     // [3C]: qkv(norm(0)) = qkv(beta), what every padding token becomes (see make_qkv_pad)
  Tensor bias;        // [heads, T, T] added to the scaled scores of every window, T = window^2
  int64_t heads = 0, window = 0;

  // How the work is cut. per_window: each thread takes whole windows and runs norm, qkv, attention and proj
  // on one window at a time, so a window's qkv (75-380 KB at MobileSAM's sizes) stays in L2 instead of making
  // a round trip through memory, and no partitioned copy of the map is made. per_op: each op runs over the
  // whole map on all threads, for machines with more threads than a stage has windows to share. automatic
  // picks per_window when there are at least 8 windows a thread. The two agree to float rounding: per_window
  // merges an edge window's identical padding keys into one (see edge_bias in window_attention.cpp).
  enum class Schedule { automatic, per_window, per_op };

  // qkv(beta) through the same GEMM as every token, so a padding token's qkv has the bits that normalising
  // and projecting a zero token gives.
  static Tensor make_qkv_pad(const LayerNorm& norm, const Linear& qkv);

  // x: NHWC [1, R, R, C]; returns the same shape.
  Tensor operator()(const Tensor& x, Schedule schedule = Schedule::automatic) const;

 private:
  struct EdgeBiasCache {
    std::mutex mutex;
    // (bias table, rows, cols) -> [heads, n, n + 1]; plain heap vectors, not Tensors, which a forward pass
    // would take from its arena (engine/memory.h) and reclaim.
    std::map<std::tuple<const float*, int64_t, int64_t>, std::vector<float>> biases;
  };
  // The bias of each edge window shape, built on first use; copies share it (entries are keyed by the table).
  std::shared_ptr<EdgeBiasCache> edge_biases_ = std::make_shared<EdgeBiasCache>();

  const std::vector<float>& edge_bias(int64_t rows, int64_t cols) const;
  Tensor per_window(const Tensor& x) const;
  Tensor per_op(const Tensor& x) const;
};

}  // namespace lsam::graph
