// SAM's prompt encoder: random-Fourier positional encoding of points and box corners plus learned type
// embeddings (sparse), and a small conv net over a low-res mask or a learned "no mask" embedding (dense).
#pragma once

#include <array>
#include <vector>

#include "graph/ops.h"

namespace lsam::graph {

// Prompts for one mask, in the model's input frame (the resized 1024-pixel image).
struct SamPrompt {
  std::vector<std::array<float, 2>> points;  // x, y
  std::vector<int> labels;                   // 1 foreground, 0 background
  bool has_box = false;
  std::array<float, 4> box{};                // x0, y0, x1, y1
  Tensor mask;                               // optional low-res logits [256, 256] (a previous prediction)
};

class SamPromptEncoder {
 public:
  SamPromptEncoder(const WeightStore& w, const std::string& prefix, int64_t embed_dim = 256, int64_t grid = 64,
                   int64_t input_size = 1024);

  // Sparse embeddings [n, 256] of one prompt (with the not-a-point padding when there is no box).
  Tensor sparse(const SamPrompt& p) const;
  // Dense embeddings NHWC [grid, grid, 256]: from the mask, or the broadcast no-mask embedding.
  Tensor dense(const SamPrompt& p) const;
  // Positional encoding of the embedding grid, NHWC [grid, grid, 256] (computed once at load).
  const Tensor& dense_pe() const { return dense_pe_; }
  int64_t embed_dim() const { return embed_dim_; }

 private:
  // Writes sin/cos features of a point given in [0, 1]^2 to out[0 .. embed_dim).
  void encode(float x, float y, float* out) const;

  int64_t embed_dim_, grid_, input_size_;
  Tensor gaussian_;  // [2, embed_dim / 2]
  std::array<Tensor, 4> point_embed_;  // negative, positive, box corner 1, box corner 2
  Tensor not_a_point_, no_mask_;
  Conv mask_conv1_, mask_conv2_, mask_conv3_;
  LayerNorm mask_norm1_, mask_norm2_;
  Tensor dense_pe_;
};

}  // namespace lsam::graph
