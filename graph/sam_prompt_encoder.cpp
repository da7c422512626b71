#include "graph/sam_prompt_encoder.h"

#include <cmath>
#include <cstring>
#include <stdexcept>

#include "weights/weight_store.h"

namespace lsam::graph {

SamPromptEncoder::SamPromptEncoder(const WeightStore& w, const std::string& prefix, int64_t embed_dim, int64_t grid,
                                   int64_t input_size)
    : embed_dim_(embed_dim), grid_(grid), input_size_(input_size) {
  gaussian_ = w.get(prefix + "pe_layer.positional_encoding_gaussian_matrix", {2, embed_dim / 2});
  for (int i = 0; i < 4; ++i)
    point_embed_[static_cast<size_t>(i)] = w.get(prefix + "point_embeddings." + std::to_string(i) + ".weight", {1, embed_dim});
  not_a_point_ = w.get(prefix + "not_a_point_embed.weight", {1, embed_dim});
  no_mask_ = w.get(prefix + "no_mask_embed.weight", {1, embed_dim});
  const int64_t mask_chans = 16;  // SAM's mask_in_chans
  mask_conv1_ = Conv::load(w, prefix + "mask_downscaling.0", 1, mask_chans / 4, 2, 2, 0, 1, Activation::none);
  mask_norm1_ = LayerNorm::load(w, prefix + "mask_downscaling.1", mask_chans / 4, 1e-6f);
  mask_conv2_ = Conv::load(w, prefix + "mask_downscaling.3", mask_chans / 4, mask_chans, 2, 2, 0, 1, Activation::none);
  mask_norm2_ = LayerNorm::load(w, prefix + "mask_downscaling.4", mask_chans, 1e-6f);
  mask_conv3_ = Conv::load(w, prefix + "mask_downscaling.6", mask_chans, embed_dim, 1, 1, 0, 1, Activation::none);

  dense_pe_ = Tensor::empty({grid, grid, embed_dim});
  float* pe = dense_pe_.data<float>();
  for (int64_t y = 0; y < grid; ++y)
    for (int64_t x = 0; x < grid; ++x)
      encode((static_cast<float>(x) + 0.5f) / static_cast<float>(grid),
             (static_cast<float>(y) + 0.5f) / static_cast<float>(grid), pe + (y * grid + x) * embed_dim);
}

void SamPromptEncoder::encode(float x, float y, float* out) const {
  // Float arithmetic in the reference's order, so features agree to float rounding.
  const int64_t half = embed_dim_ / 2;
  const float* g = gaussian_.data<float>();
  const float cx = 2.0f * x - 1.0f, cy = 2.0f * y - 1.0f;
  const float two_pi = static_cast<float>(2.0 * M_PI);
  for (int64_t i = 0; i < half; ++i) {
    const float angle = two_pi * (cx * g[i] + cy * g[half + i]);
    out[i] = std::sin(angle);
    out[half + i] = std::cos(angle);
  }
}

Tensor SamPromptEncoder::sparse(const SamPrompt& p) const {
  if (p.points.size() != p.labels.size()) throw std::invalid_argument("prompt: points and labels differ in count");
  const bool pad = !p.points.empty() && !p.has_box;
  const int64_t n = static_cast<int64_t>(p.points.size()) + (pad ? 1 : 0) + (p.has_box ? 2 : 0);
  Tensor out = Tensor::empty({n, embed_dim_});
  float* row = out.data<float>();
  const float size = static_cast<float>(input_size_);
  auto add = [&](float* dst, const Tensor& e) {
    const float* src = e.data<float>();
    for (int64_t i = 0; i < embed_dim_; ++i) dst[i] += src[i];
  };
  for (size_t i = 0; i < p.points.size(); ++i, row += embed_dim_) {
    encode((p.points[i][0] + 0.5f) / size, (p.points[i][1] + 0.5f) / size, row);
    const int label = p.labels[i];
    if (label != 0 && label != 1) throw std::invalid_argument("prompt: point labels must be 0 or 1");
    add(row, point_embed_[static_cast<size_t>(label)]);
  }
  if (pad) {  // a "not a point" token stands in for the missing box, as the reference pads
    std::memcpy(row, not_a_point_.data<float>(), static_cast<size_t>(embed_dim_) * sizeof(float));
    row += embed_dim_;
  }
  if (p.has_box) {
    for (int corner = 0; corner < 2; ++corner, row += embed_dim_) {
      encode((p.box[static_cast<size_t>(2 * corner)] + 0.5f) / size,
             (p.box[static_cast<size_t>(2 * corner + 1)] + 0.5f) / size, row);
      add(row, point_embed_[static_cast<size_t>(2 + corner)]);
    }
  }
  return out;
}

Tensor SamPromptEncoder::dense(const SamPrompt& p) const {
  if (!p.mask.defined()) {
    Tensor out = Tensor::empty({grid_, grid_, embed_dim_});
    const float* e = no_mask_.data<float>();
    float* dst = out.data<float>();
    for (int64_t i = 0; i < grid_ * grid_; ++i)
      std::memcpy(dst + i * embed_dim_, e, static_cast<size_t>(embed_dim_) * sizeof(float));
    return out;
  }
  p.mask.expect({4 * grid_, 4 * grid_}, DType::f32, "mask prompt");
  Tensor x = p.mask.contiguous().reshape({1, 4 * grid_, 4 * grid_, 1});
  x = mask_conv1_(x);
  mask_norm1_.apply_inplace(x);
  activation_inplace(x, Activation::gelu);
  x = mask_conv2_(x);
  mask_norm2_.apply_inplace(x);
  activation_inplace(x, Activation::gelu);
  return mask_conv3_(x).reshape({grid_, grid_, embed_dim_});
}

}  // namespace lsam::graph
