// SAM's mask decoder: a two-way transformer between prompt tokens and image embedding, a transposed-conv
// upscaler, one hypernetwork MLP per mask token, and the IoU head. Shared by SAM ViT-B/L/H and MobileSAM.
#pragma once

#include <array>
#include <vector>

#include "graph/ops.h"
#include "graph/sam_attention.h"

namespace lsam::graph {

// Layer 0's image side for prompts without a mask input. The dense prompt is then the learned "no mask"
// embedding, so these depend on the image alone: a predictor computes them once per image and every
// mask-free prompt shares them.
struct SamImageCache {
  Tensor keys;                 // [1, HW, dim]: image embedding + no-mask embedding
  Tensor t2i_k, t2i_v, i2t_q;  // [1, HW, inner]: layer 0's projections of keys (+ positional encoding)
};

struct SamDecoderOutput {
  Tensor low_res_logits;  // [batch, masks, 4*grid, 4*grid]
  Tensor iou;             // [batch, masks]
};

class SamMaskDecoder {
 public:
  SamMaskDecoder(const WeightStore& w, const std::string& prefix, int64_t dim = 256, int64_t heads = 8,
                 int64_t depth = 2, int64_t mask_tokens = 4);

  // image: NHWC [grid, grid, dim] (shared by the batch); pe: NHWC [grid, grid, dim];
  // sparse: [batch, n, dim]; dense: [batch, grid, grid, dim], or undefined with `cache` (no mask inputs).
  SamDecoderOutput forward(const Tensor& image, const Tensor& pe, const Tensor& sparse, const Tensor& dense,
                           bool multimask, const SamImageCache* cache = nullptr) const;

  // no_mask_dense: NHWC [grid, grid, dim], the prompt encoder's dense embedding without a mask.
  SamImageCache prepare(const Tensor& image, const Tensor& pe, const Tensor& no_mask_dense) const;

 private:
  struct Layer {
    SamAttention self_attn;
    TokenToImageAttention token_to_image;
    ImageToTokenAttention image_to_token;
    LayerNorm norm1, norm2, norm3, norm4;
    Linear mlp1, mlp2;
    bool skip_first_pe = false;
  };
  struct Mlp {
    std::vector<Linear> layers;  // ReLU between layers
    Tensor operator()(const Tensor& x) const;
  };

  int64_t dim_, mask_tokens_;
  Tensor output_tokens_;  // [1 + mask_tokens, dim]: IoU token then mask tokens
  std::vector<Layer> layers_;
  TokenToImageAttention final_attn_;
  LayerNorm final_norm_;
  ConvTranspose upscale1_, upscale2_;
  LayerNorm upscale_norm_;
  std::vector<Mlp> hypernet_;
  Mlp iou_head_;
};

}  // namespace lsam::graph
