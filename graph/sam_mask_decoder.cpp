#include "graph/sam_mask_decoder.h"

#include <cstring>

#include "graph/mask_upscaling.h"
#include "kernels/conv/conv.h"
#include "weights/weight_store.h"

namespace lsam::graph {

SamMaskDecoder::SamMaskDecoder(const WeightStore& w, const std::string& prefix, int64_t dim, int64_t heads,
                               int64_t depth, int64_t mask_tokens)
    : dim_(dim), mask_tokens_(mask_tokens) {
  const Tensor& iou_token = w.get(prefix + "iou_token.weight", {1, dim});
  const Tensor& mask_token = w.get(prefix + "mask_tokens.weight", {mask_tokens, dim});
  output_tokens_ = Tensor::empty({1 + mask_tokens, dim});
  std::memcpy(output_tokens_.data<float>(), iou_token.data<float>(), static_cast<size_t>(dim) * sizeof(float));
  std::memcpy(output_tokens_.data<float>() + dim, mask_token.data<float>(),
              static_cast<size_t>(mask_tokens * dim) * sizeof(float));

  const std::string t = prefix + "transformer.";
  const int64_t cross = dim / 2, mlp_dim = 2048;  // attention_downsample_rate 2, TwoWayTransformer mlp_dim
  for (int64_t i = 0; i < depth; ++i) {
    const std::string l = t + "layers." + std::to_string(i) + ".";
    Layer layer;
    layer.self_attn = SamAttention::load(w, l + "self_attn.", dim, dim, heads);
    layer.token_to_image = TokenToImageAttention(w, l + "cross_attn_token_to_image.", dim, cross, heads);
    layer.image_to_token = ImageToTokenAttention(w, l + "cross_attn_image_to_token.", dim, cross, heads);
    layer.norm1 = LayerNorm::load(w, l + "norm1", dim, 1e-5f);
    layer.norm2 = LayerNorm::load(w, l + "norm2", dim, 1e-5f);
    layer.norm3 = LayerNorm::load(w, l + "norm3", dim, 1e-5f);
    layer.norm4 = LayerNorm::load(w, l + "norm4", dim, 1e-5f);
    layer.mlp1 = Linear::load(w, l + "mlp.lin1", dim, mlp_dim);
    layer.mlp2 = Linear::load(w, l + "mlp.lin2", mlp_dim, dim);
    layer.skip_first_pe = i == 0;
    layers_.push_back(std::move(layer));
  }
  final_attn_ = TokenToImageAttention(w, t + "final_attn_token_to_image.", dim, cross, heads);
  final_norm_ = LayerNorm::load(w, t + "norm_final_attn", dim, 1e-5f);

  upscale1_ = ConvTranspose::load(w, prefix + "output_upscaling.0", dim, dim / 4);
  upscale_norm_ = LayerNorm::load(w, prefix + "output_upscaling.1", dim / 4, 1e-6f);
  upscale2_ = ConvTranspose::load(w, prefix + "output_upscaling.3", dim / 4, dim / 8, Activation::gelu);
  for (int64_t i = 0; i < mask_tokens; ++i) {
    Mlp m;
    for (int j = 0; j < 3; ++j)
      m.layers.push_back(Linear::load(w, prefix + "output_hypernetworks_mlps." + std::to_string(i) + ".layers." +
                                             std::to_string(j), dim, j == 2 ? dim / 8 : dim));
    hypernet_.push_back(std::move(m));
  }
  for (int j = 0; j < 3; ++j)
    iou_head_.layers.push_back(Linear::load(w, prefix + "iou_prediction_head.layers." + std::to_string(j), dim,
                                            j == 2 ? mask_tokens : dim));  // iou_head_hidden_dim = 256 = dim
}

Tensor SamMaskDecoder::Mlp::operator()(const Tensor& x) const {
  Tensor y = x;
  for (size_t i = 0; i < layers.size(); ++i)
    y = layers[i](y, i + 1 < layers.size() ? Activation::relu : Activation::none);
  return y;
}

SamImageCache SamMaskDecoder::prepare(const Tensor& image, const Tensor& pe, const Tensor& no_mask_dense) const {
  const int64_t HW = image.dim(0) * image.dim(1);
  const Layer& first = layers_.front();
  SamImageCache c;
  c.keys = add(no_mask_dense.reshape({1, HW, dim_}), image.reshape({1, HW, dim_}));
  const Tensor k = add(c.keys, pe.reshape({1, HW, dim_}));
  c.t2i_k = first.token_to_image.weights().k(k);
  c.t2i_v = first.token_to_image.weights().v(c.keys);
  c.i2t_q = first.image_to_token.weights().q(k);
  return c;
}

SamDecoderOutput SamMaskDecoder::forward(const Tensor& image, const Tensor& pe, const Tensor& sparse,
                                         const Tensor& dense, bool multimask, const SamImageCache* cache) const {
  const int64_t B = sparse.dim(0), n_sparse = sparse.dim(1);
  const int64_t grid = image.dim(0), HW = grid * grid, T = 1 + mask_tokens_ + n_sparse;
  image.expect({grid, grid, dim_}, DType::f32, "image embedding");
  pe.expect({grid, grid, dim_}, DType::f32, "image positional encoding");
  if (!cache) dense.expect({B, grid, grid, dim_}, DType::f32, "dense prompt embedding");

  // Prompt tokens: output tokens then the sparse embeddings, per batch entry.
  Tensor tokens = Tensor::empty({B, T, dim_});
  for (int64_t b = 0; b < B; ++b) {
    float* dst = tokens.data<float>() + b * T * dim_;
    std::memcpy(dst, output_tokens_.data<float>(), static_cast<size_t>((1 + mask_tokens_) * dim_) * sizeof(float));
    std::memcpy(dst + (1 + mask_tokens_) * dim_, sparse.data<float>() + b * n_sparse * dim_,
                static_cast<size_t>(n_sparse * dim_) * sizeof(float));
  }
  // Image tokens (+ dense prompt) and their positional encoding; a leading 1 is shared by the batch.
  const Tensor key_pe = pe.reshape({1, HW, dim_});
  Tensor keys = cache ? cache->keys : add(dense.reshape({B, HW, dim_}), image.reshape({1, HW, dim_}));

  // Two-way transformer.
  const Tensor& query_pe = tokens;
  Tensor queries = tokens;
  Tensor keys_pe;  // keys + key_pe, written by the LayerNorm that makes the keys
  for (const Layer& l : layers_) {
    if (l.skip_first_pe) {
      queries = l.self_attn(queries, queries, queries, nullptr);
    } else {
      Tensor q = add(queries, query_pe);
      queries = l.self_attn(q, q, queries, &queries);
    }
    l.norm1.apply_inplace(queries);
    const bool cached = cache && &l == &layers_.front();  // layer 0's image side precomputed
    const Tensor k = cached ? Tensor() : keys_pe.defined() ? keys_pe : add(keys, key_pe);
    const Tensor q = add(queries, query_pe);
    queries = cached ? l.token_to_image.on_projected(q, cache->t2i_k, cache->t2i_v, queries)
                     : l.token_to_image(q, k, keys, queries);
    l.norm2.apply_inplace(queries);
    queries = l.mlp2(l.mlp1(queries, Activation::relu), Activation::none, &queries);
    l.norm3.apply_inplace(queries);
    const Tensor kq = add(queries, query_pe);
    keys = cached ? l.image_to_token.on_projected(kq, queries, cache->i2t_q, keys)
                  : l.image_to_token(kq, queries, k, keys);
    keys_pe = l.norm4.apply_inplace_plus(keys, key_pe);
  }
  queries = final_attn_(add(queries, query_pe), keys_pe, keys, queries);
  final_norm_.apply_inplace(queries);

  // Each mask token through its hypernetwork MLP: [B, count, channels].
  const int64_t first = multimask ? 1 : 0, count = multimask ? mask_tokens_ - 1 : 1;
  const int64_t channels = upscale2_.op->out_channels(), side = 4 * grid, pixels = side * side;
  Tensor hyper = Tensor::empty({B, count, channels});
  for (int64_t i = 0; i < count; ++i) {
    Tensor token = queries.slice(1, 1 + first + i, 2 + first + i).contiguous().reshape({B, dim_});
    Tensor h = hypernet_[static_cast<size_t>(first + i)](token);
    for (int64_t b = 0; b < B; ++b)
      std::memcpy(hyper.data<float>() + (b * count + i) * channels, h.data<float>() + b * channels,
                  static_cast<size_t>(channels) * sizeof(float));
  }

  // Upscale each prompt's image tokens 4x and project its mask tokens onto them, one prompt at a time: nothing
  // in the upscaled maps is shared between prompts.
  SamDecoderOutput out;
  out.low_res_logits = Tensor::empty({B, count, side, side});
  for (int64_t b = 0; b < B; ++b)
    upscaled_mask_logits(upscale1_, upscale_norm_, upscale2_, keys.slice(0, b, b + 1).reshape({1, grid, grid, dim_}),
                         hyper.data<float>() + b * count * channels, count,
                         out.low_res_logits.data<float>() + b * count * pixels);
  Tensor iou_token = queries.slice(1, 0, 1).contiguous().reshape({B, dim_});
  Tensor iou_all = iou_head_(iou_token);  // [B, mask_tokens]
  out.iou = iou_all.slice(1, first, first + count).contiguous();
  return out;
}

}  // namespace lsam::graph
