#include "graph/tiny_vit.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <utility>

#include "graph/inverted_bottleneck.h"
#include "graph/residual_mlp.h"
#include "kernels/conv/conv.h"
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
      WindowAttention& a = b.attn;
      a.norm = LayerNorm::load(w, blk + "attn.norm", C, 1e-5f);
      a.qkv = Linear::load(w, blk + "attn.qkv", C, 3 * C);
      a.qkv_pad = WindowAttention::make_qkv_pad(a.norm, a.qkv);
      a.proj = Linear::load(w, blk + "attn.proj", C, C);
      a.bias = gather_attention_bias(w, blk + "attn.attention_biases", s.heads, s.window);
      a.heads = s.heads;
      a.window = s.window;
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

Tensor TinyViT::block(const Block& b, const Tensor& x) const {
  Tensor y = b.local_conv(b.attn(x));
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
    for (const Block& b : s.blocks) x = block(b, x);
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
