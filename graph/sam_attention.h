// The SAM mask decoder's attentions: SAM's Attention as written (projections to an internal width, heads,
// output projection), and the two cross-attentions between a few prompt tokens (T ~ 7) and the HW = 4096
// image tokens with the image-side projections folded into the token side.
//
// Computed as written, each attention projects all HW image tokens from dim = 256 to inner = 128 once or
// twice (HW x dim x inner MACs each, 134 M), while everything else touches only heads x T = 56 rows. Per
// head h (hd = inner / heads rows of each weight), scores and outputs are bilinear in the image tokens x_j,
// so the projection can move to the token side:
//
//   token -> image:  q_h . (Wk_h x_j + bk_h) = (Wk_h^T q_h) . x_j + const   (the const cancels in softmax)
//                    sum_j p_j (Wv_h x_j + bv_h) = Wv_h (sum_j p_j x_j) + bv_h   (the p_j sum to 1)
//   image -> token:  (Wq_h x_i + bq_h) . k_h = x_i . (Wq_h^T k_h) + bq_h . k_h
//                    Wo (concat_h sum_t p_t v_h,t) = sum_h sum_t p_t (Wo_h v_h,t)
//
// so the image side meets only heads x T folded vectors of width dim: two HW x dim x (heads T) GEMMs per
// attention (59 M MACs each at T = 7) instead of two or three 134 M projections. It is the same function in
// exact arithmetic; in floating point the sums associate differently, within the decoder's parity tolerance.
// When the image operand is shared by a batch of prompts (the predictor's per-image cache), all the
// batch's folded vectors go through one GEMM.
#pragma once

#include <cmath>

#include "graph/ops.h"

namespace lsam::graph {

// SAM's Attention (segment_anything/modeling/transformer.py) as written.
struct SamAttention {
  Linear q, k, v, out;
  int64_t heads = 0;

  static SamAttention load(const WeightStore& w, const std::string& prefix, int64_t dim, int64_t inner,
                           int64_t heads);
  int64_t inner() const { return q.out; }
  int64_t head_dim() const { return q.out / heads; }
  float scale() const { return 1.0f / std::sqrt(static_cast<float>(head_dim())); }  // of the scores

  // queries [B, Lq, dim], keys [B, Lk, dim], values [B, Lk, dim] -> [B, Lq, dim] (+ residual)
  Tensor operator()(const Tensor& queries, const Tensor& keys, const Tensor& values, const Tensor* residual) const;
  // The same from projected operands [B or 1, L, inner]; a leading 1 is shared by the whole batch, as may be
  // the residual.
  Tensor attend(const Tensor& qp, const Tensor& kp, const Tensor& vp, int64_t batch, const Tensor* residual) const;
};

// Prompt tokens attend to the image tokens.
class TokenToImageAttention {
 public:
  TokenToImageAttention() = default;
  TokenToImageAttention(const WeightStore& w, const std::string& prefix, int64_t dim, int64_t inner, int64_t heads);

  // queries [B, T, dim] (with their positional encoding), image_k [Bx, HW, dim] (image tokens with theirs),
  // image_v [Bx, HW, dim], Bx = B or 1 (shared) -> out_proj(attention) + residual, [B, T, dim].
  Tensor operator()(const Tensor& queries, const Tensor& image_k, const Tensor& image_v, const Tensor& residual) const;

  // The same on image tokens already projected by k and v ([1, HW, inner], shared by the batch): the cheaper
  // order once the projections exist, as for the predictor's per-image cache.
  Tensor on_projected(const Tensor& queries, const Tensor& kp, const Tensor& vp, const Tensor& residual) const;

  const SamAttention& weights() const { return w_; }

 private:
  SamAttention w_;
  Tensor k_fold_;    // [inner, dim]: Wk / sqrt(hd)
  Tensor v_fold_;    // [inner, dim]: Wv
  Tensor out_bias_;  // [dim]: bo + Wo bv
};

// Image tokens attend to the prompt tokens.
class ImageToTokenAttention {
 public:
  ImageToTokenAttention() = default;
  ImageToTokenAttention(const WeightStore& w, const std::string& prefix, int64_t dim, int64_t inner, int64_t heads);

  // keys [B, T, dim] (tokens with their positional encoding), values [B, T, dim], image [Bx, HW, dim] (the
  // image tokens with theirs), residual [Bx, HW, dim] -> [B, HW, dim].
  Tensor operator()(const Tensor& keys, const Tensor& values, const Tensor& image, const Tensor& residual) const;

  // The same with the image queries already projected by q ([1, HW, inner], shared by the batch).
  Tensor on_projected(const Tensor& keys, const Tensor& values, const Tensor& image_q, const Tensor& residual) const;

  const SamAttention& weights() const { return w_; }

 private:
  Tensor attend(const Tensor& keys, const Tensor& values, const Tensor& image, bool projected,
                const Tensor& residual) const;

  SamAttention w_;
  Tensor q_fold_;    // [inner, dim]: Wq / sqrt(hd)
  Tensor q_bias_;    // [inner, 1]: bq / sqrt(hd)
  Tensor out_fold_;  // [inner, dim]: Wo^T
};

}  // namespace lsam::graph
