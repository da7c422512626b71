// TinyViT-5M, MobileSAM's image encoder: a conv stem and MBConv stage, then three stages of windowed
// attention blocks with learned attention biases and a depthwise "local conv", and SAM's neck.
#pragma once

#include <array>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "graph/ops.h"
#include "graph/window_attention.h"

namespace lsam::graph {

struct TinyVitConfig {
  int64_t image_size = 1024;
  std::array<int64_t, 4> dims{64, 128, 160, 320};
  std::array<int64_t, 4> depths{2, 2, 6, 2};
  std::array<int64_t, 4> heads{2, 4, 5, 10};
  std::array<int64_t, 4> windows{7, 7, 14, 7};
  int64_t mlp_ratio = 4;
  int64_t mbconv_expand = 4;
  int64_t neck_dim = 256;
};

// Observes intermediate outputs (NHWC) by name: "patch_embed", "layers.0" .. "layers.3", "neck".
using StageTap = std::function<void(const std::string& name, const Tensor& nhwc)>;

class TinyViT {
 public:
  TinyViT(const WeightStore& w, const std::string& prefix, const TinyVitConfig& config = {});

  // image: NHWC [1, S, S, 3], normalised and padded (S = config.image_size); returns NHWC [1, S/16, S/16, 256].
  Tensor forward(const Tensor& image, const StageTap& tap = nullptr) const;

  const TinyVitConfig& config() const { return config_; }

 private:
  struct MBConv {
    Conv expand, depthwise, project;
  };
  struct PatchMerging {
    Conv expand, depthwise, project;
  };
  struct Block {
    WindowAttention attn;
    Conv local_conv;
    LayerNorm mlp_norm;
    Linear fc1, fc2;
  };
  struct Stage {
    int64_t resolution = 0, dim = 0, heads = 0, window = 0;
    std::vector<MBConv> mbconvs;
    std::vector<Block> blocks;
    std::optional<PatchMerging> downsample;
  };

  Tensor block(const Block& b, const Tensor& x) const;

  TinyVitConfig config_;
  Conv stem1_, stem2_;
  std::array<Stage, 4> stages_;
  Conv neck_conv1_, neck_conv2_;
  LayerNorm neck_norm1_, neck_norm2_;
};

}  // namespace lsam::graph
