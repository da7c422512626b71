#include "graph/tiny_vit.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <utility>

#include "graph/inverted_bottleneck.h"
#include "graph/residual_mlp.h"
#include "kernels/attention/attention.h"
#include "kernels/attention/window.h"
#include "kernels/conv/conv.h"
#include "kernels/eltwise/eltwise.h"
#include "weights/weight_store.h"

namespace lsam::graph {
namespace {

// TinyViT shares one learned bias per head for each |dy|,|dx| offset inside a window; offsets are numbered
// in order of first appearance while scanning query-key pairs row-major, as the reference does.
Tensor gather_attention_bias(const WeightStore& w, const std::string& name, int64_t heads, int64_t window) {
  const int64_t tokens = window * window;
  std::map<std::pair<int64_t, int64_t>, int64_t> offset_index;
  std::vector<int64_t> index(static_cast<size_t>(tokens * tokens));
  for (int64_t i = 0; i < tokens; ++i)
    for (int64_t j = 0; j < tokens; ++j) {
      const std::pair<int64_t, int64_t> offset{std::abs(i / window - j / window), std::abs(i % window - j % window)};
      auto [it, fresh] = offset_index.try_emplace(offset, static_cast<int64_t>(offset_index.size()));
      index[static_cast<size_t>(i * tokens + j)] = it->second;
    }
  const Tensor& table = w.get(name, {heads, static_cast<int64_t>(offset_index.size())});
  Tensor bias = Tensor::empty({heads, tokens, tokens});
  const float* src = table.data<float>();
  float* dst = bias.data<float>();
  for (int64_t h = 0; h < heads; ++h)
    for (int64_t k = 0; k < tokens * tokens; ++k)
      dst[h * tokens * tokens + k] = src[h * table.dim(1) + index[static_cast<size_t>(k)]];
  return bias;
}

}  // namespace

TinyViT::TinyViT(const WeightStore& w, const std::string& prefix, const TinyVitConfig& config) : config_(config) {
  const std::string pe = prefix + "patch_embed.seq.";
  const int64_t d0 = config.dims[0];
  stem1_ = Conv::load(w, pe + "0.c", 3, d0 / 2, 3, 2, 1, 1, Activation::gelu);
  stem2_ = Conv::load(w, pe + "2.c", d0 / 2, d0, 3, 2, 1, 1, Activation::none);

  int64_t resolution = config.image_size / 4;
  for (int i = 0; i < 4; ++i) {
    Stage& s = stages_[static_cast<size_t>(i)];
    const std::string layer = prefix + "layers." + std::to_string(i) + ".";
    s.resolution = resolution;
    s.dim = config.dims[static_cast<size_t>(i)];
    s.heads = config.heads[static_cast<size_t>(i)];
    s.window = config.windows[static_cast<size_t>(i)];
    for (int64_t j = 0; j < config.depths[static_cast<size_t>(i)]; ++j) {
      const std::string blk = layer + "blocks." + std::to_string(j) + ".";
      if (i == 0) {
        const int64_t hidden = s.dim * config.mbconv_expand;
        s.mbconvs.push_back({Conv::load(w, blk + "conv1.c", s.dim, hidden, 1, 1, 0, 1, Activation::gelu),
                             Conv::load(w, blk + "conv2.c", hidden, hidden, 3, 1, 1, hidden, Activation::gelu),
                             Conv::load(w, blk + "conv3.c", hidden, s.dim, 1, 1, 0, 1, Activation::none)});
        continue;
      }
      Block b;
      const int64_t C = s.dim, hidden = C * config.mlp_ratio;
      b.attn_norm = LayerNorm::load(w, blk + "attn.norm", C, 1e-5f);
      b.qkv = Linear::load(w, blk + "attn.qkv", C, 3 * C);
      b.qkv_pad = fold_affine(w.get(blk + "attn.qkv.weight", {3 * C, C}), w.get(blk + "attn.qkv.bias", {3 * C}),
                              b.attn_norm.bias);  // qkv(LayerNorm(0)) = W beta + b
      b.proj = Linear::load(w, blk + "attn.proj", C, C);
      b.attn_bias = gather_attention_bias(w, blk + "attn.attention_biases", s.heads, s.window);
      b.local_conv = Conv::load(w, blk + "local_conv.c", C, C, 3, 1, 1, C, Activation::none);
      b.mlp_norm = LayerNorm::load(w, blk + "mlp.norm", C, 1e-5f);
      b.fc1 = Linear::load(w, blk + "mlp.fc1", C, hidden);
      b.fc2 = Linear::load(w, blk + "mlp.fc2", hidden, C);
      s.blocks.push_back(std::move(b));
    }
    if (i < 3) {
      // MobileSAM keeps the 64x64 grid for its last stage: the merge into 320 channels has stride 1.
      const int64_t out_dim = config.dims[static_cast<size_t>(i + 1)];
      const int64_t stride = out_dim == 320 || out_dim == 448 || out_dim == 576 ? 1 : 2;
      const std::string ds = layer + "downsample.";
      s.downsample = PatchMerging{Conv::load(w, ds + "conv1.c", s.dim, out_dim, 1, 1, 0, 1, Activation::gelu),
                                  Conv::load(w, ds + "conv2.c", out_dim, out_dim, 3, stride, 1, out_dim, Activation::gelu),
                                  Conv::load(w, ds + "conv3.c", out_dim, out_dim, 1, 1, 0, 1, Activation::none)};
      resolution = (resolution + stride - 1) / stride;
    }
  }
  const int64_t neck = config.neck_dim;
  neck_conv1_ = Conv::load(w, prefix + "neck.0", config.dims[3], neck, 1, 1, 0, 1, Activation::none, false);
  neck_norm1_ = LayerNorm::load(w, prefix + "neck.1", neck, 1e-6f);
  neck_conv2_ = Conv::load(w, prefix + "neck.2", neck, neck, 3, 1, 1, 1, Activation::none, false);
  neck_norm2_ = LayerNorm::load(w, prefix + "neck.3", neck, 1e-6f);
}

// TinyViT pads the map with zero tokens to whole windows, then runs LayerNorm, qkv, attention and proj on
// every window. A zero token normalises to the LayerNorm's beta, so all padding tokens share one qkv vector,
// and their outputs are cropped away: LayerNorm, qkv and proj can run on the R x R real tokens only, the
// partition then padding the qkv windows with that vector. That partition moves 3C floats a token instead of
// C, so it pays where the padding is a large share of the windows: 16% at MobileSAM's 64 x 64 stages (10-13
// ms less GEMM time for 6 ms more copying over the encoder, measured), 7% at 128 x 128 (the copying costs
// as much as the GEMM rows it saves).
Tensor TinyViT::window_attention(const Stage& s, const Block& b, const Tensor& x) const {
  const int64_t R = s.resolution, C = s.dim, ws = s.window, T = ws * ws;
  const int64_t grid = (R + ws - 1) / ws, windows = grid * grid;
  const int64_t head_dim = C / s.heads;
  const bool real_tokens_only = (windows * T - R * R) * 100 >= 15 * windows * T;

  Tensor tokens, qkv;  // qkv per token: [head][q | k | v]
  if (real_tokens_only) {
    const Tensor qkv_tokens = b.qkv(b.attn_norm(x));
    qkv = Tensor::empty({windows, T, 3 * C});
    window_partition_f32(qkv_tokens.data<float>(), 1, R, R, 3 * C, ws, qkv.data<float>(), b.qkv_pad.data<float>());
  } else {
    tokens = Tensor::empty({windows, T, C});  // zero-padded windows, as F.pad before the split
    window_partition_f32(x.data<float>(), 1, R, R, C, ws, tokens.data<float>());
    qkv = b.qkv(b.attn_norm(tokens));
  }
  Tensor mixed = Tensor::empty({windows, T, C});

  AttentionArgs a;
  a.batch = windows;
  a.heads = s.heads;
  a.q_len = a.kv_len = T;
  a.qk_dim = a.v_dim = head_dim;
  a.scale = 1.0f / std::sqrt(static_cast<float>(head_dim));
  const float* q = qkv.data<float>();
  a.q = q;
  a.k = q + head_dim;
  a.v = q + 2 * head_dim;
  a.q_batch_stride = a.k_batch_stride = a.v_batch_stride = T * 3 * C;
  a.q_head_stride = a.k_head_stride = a.v_head_stride = 3 * head_dim;
  a.q_row_stride = a.k_row_stride = a.v_row_stride = 3 * C;
  a.out = mixed.data<float>();
  a.out_batch_stride = T * C;
  a.out_head_stride = head_dim;
  a.out_row_stride = C;
  a.bias = b.attn_bias.data<float>();
  a.bias_batch_stride = 0;
  a.bias_head_stride = T * T;
  a.bias_row_stride = T;
  // The bottom row of windows reaches past the map: its queries from the padding rows would be cropped away.
  // Where they never reach proj, only its first valid_rows rows of queries are computed (each still attends to
  // all T keys): 6 of 7 query rows of those windows at 64 x 64 and window 7, 6 of 14 at window 14.
  const int64_t valid_rows = R - (grid - 1) * ws;
  if (real_tokens_only && valid_rows < ws) {
    a.batch = windows - grid;
    attention_f32(a);
    const int64_t first = windows - grid;
    a.batch = grid;
    a.q_len = valid_rows * ws;
    a.q += first * a.q_batch_stride, a.k += first * a.k_batch_stride, a.v += first * a.v_batch_stride;
    a.out += first * a.out_batch_stride;
  }
  attention_f32(a);

  Tensor y = Tensor::empty({1, R, R, C});
  if (real_tokens_only) {
    window_unpartition_f32(mixed.data<float>(), 1, R, R, C, ws, y.data<float>());
    return b.proj(y, Activation::none, &x);
  }
  const Tensor out = b.proj(mixed, Activation::none, &tokens);  // residual added in window layout
  window_unpartition_f32(out.data<float>(), 1, R, R, C, ws, y.data<float>());
  return y;
}

Tensor TinyViT::block(const Stage& s, const Block& b, const Tensor& x) const {
  Tensor y = b.local_conv(window_attention(s, b, x));
  return residual_mlp(b.mlp_norm, b.fc1, Activation::gelu, b.fc2, y);
}

Tensor TinyViT::forward(const Tensor& image, const StageTap& tap) const {
  const int64_t S = config_.image_size;
  image.expect({1, S, S, 3}, DType::f32, "TinyViT input");
  Tensor x = stem2_(stem1_(image));
  if (tap) tap("patch_embed", x);
  for (size_t i = 0; i < stages_.size(); ++i) {
    const Stage& s = stages_[i];
    for (const MBConv& m : s.mbconvs)
      x = inverted_bottleneck(m.expand, m.depthwise, m.project, x, true, Activation::gelu);
    for (const Block& b : s.blocks) x = block(s, b, x);
    if (s.downsample) {
      const PatchMerging& m = *s.downsample;
      x = inverted_bottleneck(m.expand, m.depthwise, m.project, x, false, Activation::none);
    }
    if (tap) tap("layers." + std::to_string(i), x);
  }
  x = neck_conv1_(x);
  neck_norm1_.apply_inplace(x);
  x = neck_conv2_(x);
  neck_norm2_.apply_inplace(x);
  if (tap) tap("neck", x);
  return x;
}

}  // namespace lsam::graph
