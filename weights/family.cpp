#include "weights/family.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>

#include "weights/error.h"

namespace lsam {
namespace {

std::string join(const std::vector<int64_t>& v) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) s += ',';
    s += std::to_string(v[i]);
  }
  return s;
}

// Tensor shapes by name, with the questions family rules ask.
class Shapes {
 public:
  Shapes(const std::vector<NamedTensor>& tensors, std::string where, std::string family)
      : where_(std::move(where)), family_(std::move(family)) {
    for (const NamedTensor& t : tensors) shapes_.emplace(t.name, t.value.shape());
  }

  bool has(const std::string& name) const { return shapes_.count(name) != 0; }
  bool has_prefix(const std::string& prefix) const {
    const auto it = shapes_.lower_bound(prefix);
    return it != shapes_.end() && it->first.compare(0, prefix.size(), prefix) == 0;
  }
  // How many of before0after, before1after, ... prefix some tensor name, counting up from 0.
  int64_t count(const std::string& before, const std::string& after) const {
    int64_t n = 0;
    while (has_prefix(before + std::to_string(n) + after)) ++n;
    return n;
  }
  // Dimension i of a tensor of the given rank.
  int64_t dim(const std::string& name, int i, int rank) const {
    const auto it = shapes_.find(name);
    if (it == shapes_.end()) problem("lacks tensor '" + name + "'");
    if (it->second.rank != rank)
      problem("tensor '" + name + "' has shape " + it->second.str() + ", expected rank " + std::to_string(rank));
    return it->second[i];
  }
  const std::map<std::string, Shape>& all() const { return shapes_; }

  [[noreturn]] void problem(const std::string& what) const { fail(where_, "as " + family_ + ": " + what); }

 private:
  std::map<std::string, Shape> shapes_;  // sorted, for prefix queries
  std::string where_;
  std::string family_;
};

// --- SAM-style prompt encoder and mask decoder, shared by mobile_sam, sam_vit_* and efficient_sam_* ---

bool has_sam_decoder(const Shapes& s) { return s.has("mask_decoder.mask_tokens.weight") && s.has("mask_decoder.iou_token.weight"); }

void sam_decoder_config(const Shapes& s, Config& c) {
  c["prompt_embed_dim"] = std::to_string(s.dim("mask_decoder.iou_token.weight", 1, 2));
  c["num_multimask_outputs"] = std::to_string(s.dim("mask_decoder.mask_tokens.weight", 0, 2) - 1);
  c["decoder_depth"] = std::to_string(s.count("mask_decoder.transformer.layers.", "."));
  if (s.has("mask_decoder.transformer.layers.0.mlp.lin1.weight"))
    c["decoder_mlp_dim"] = std::to_string(s.dim("mask_decoder.transformer.layers.0.mlp.lin1.weight", 0, 2));
  c["image_size"] = "1024";  // all SAM variants take a 1024x1024 padded input
}

// --- mobile_sam: TinyViT ---

bool is_mobile_sam(const Shapes& s) {
  return s.has("image_encoder.patch_embed.seq.0.c.weight") && s.has_prefix("image_encoder.layers.0.blocks.") &&
         has_sam_decoder(s);
}

Config mobile_sam_config(const Shapes& s) {
  const std::string enc = "image_encoder.layers.";
  const int64_t stages = s.count(enc, ".blocks.0.");
  if (stages < 2) s.problem("expected TinyViT stages image_encoder.layers.N");
  std::vector<int64_t> dims, depths, heads, windows;
  int64_t mlp_ratio = 0, expand_ratio = 0;
  for (int64_t i = 0; i < stages; ++i) {
    const std::string layer = enc + std::to_string(i) + ".blocks.";
    depths.push_back(s.count(layer, "."));
    if (s.has(layer + "0.conv1.c.weight")) {  // a stage of MBConv blocks: no attention
      const int64_t hidden = s.dim(layer + "0.conv1.c.weight", 0, 4), dim = s.dim(layer + "0.conv1.c.weight", 1, 4);
      if (dim <= 0) s.problem("empty MBConv stage");
      dims.push_back(dim);
      expand_ratio = hidden / dim;
      heads.push_back(0);
      windows.push_back(0);
      continue;
    }
    const int64_t dim = s.dim(layer + "0.attn.norm.weight", 0, 1);
    const std::string bias = layer + "0.attn.attention_biases";
    const int64_t points = s.dim(bias, 1, 2);
    const auto window = static_cast<int64_t>(std::lround(std::sqrt(static_cast<double>(points))));
    // One bias per (|dy|, |dx|) offset inside a window: window^2 of them.
    if (window * window != points) s.problem("'" + bias + "' has " + std::to_string(points) + " offsets, not a square");
    if (dim <= 0) s.problem("empty attention stage");
    dims.push_back(dim);
    heads.push_back(s.dim(bias, 0, 2));
    windows.push_back(window);
    mlp_ratio = s.dim(layer + "0.mlp.fc1.weight", 0, 2) / dim;
  }
  Config c;
  c["embed_dims"] = join(dims);
  c["depths"] = join(depths);
  c["num_heads"] = join(heads);
  c["window_sizes"] = join(windows);
  c["mlp_ratio"] = std::to_string(mlp_ratio);
  c["mbconv_expand_ratio"] = std::to_string(expand_ratio);
  c["neck_dim"] = std::to_string(s.dim("image_encoder.neck.0.weight", 0, 4));
  sam_decoder_config(s, c);
  return c;
}

// --- sam_vit_*: ViT with windowed attention and relative positions ---

bool is_sam_vit(const Shapes& s) {
  return s.has("image_encoder.blocks.0.attn.rel_pos_h") && s.has("image_encoder.patch_embed.proj.weight") &&
         has_sam_decoder(s);
}

std::string sam_vit_variant(int64_t embed, int64_t depth) {
  if (embed == 768 && depth == 12) return "sam_vit_b";
  if (embed == 1024 && depth == 24) return "sam_vit_l";
  if (embed == 1280 && depth == 32) return "sam_vit_h";
  return "";
}

Config sam_vit_config(const Shapes& s) {
  const std::string enc = "image_encoder.";
  const int64_t embed = s.dim(enc + "patch_embed.proj.weight", 0, 4);
  const int64_t patch = s.dim(enc + "patch_embed.proj.weight", 2, 4);
  const int64_t depth = s.count(enc + "blocks.", ".");
  const int64_t grid = s.dim(enc + "pos_embed", 1, 4);  // [1, H/patch, W/patch, embed]
  // rel_pos_h is [2 * size - 1, head_dim]: size is the window, or the whole grid for global attention.
  const int64_t head_dim = s.dim(enc + "blocks.0.attn.rel_pos_h", 1, 2);
  if (head_dim <= 0 || embed % head_dim) s.problem("relative position tables do not divide the embedding");
  std::vector<int64_t> global;
  int64_t window = 0;
  for (int64_t i = 0; i < depth; ++i) {
    const int64_t span = (s.dim(enc + "blocks." + std::to_string(i) + ".attn.rel_pos_h", 0, 2) + 1) / 2;
    if (span == grid)
      global.push_back(i);
    else
      window = span;
  }
  Config c;
  c["embed_dim"] = std::to_string(embed);
  c["depth"] = std::to_string(depth);
  c["num_heads"] = std::to_string(embed / head_dim);
  c["patch_size"] = std::to_string(patch);
  c["window_size"] = std::to_string(window);
  c["global_attn_indexes"] = join(global);
  c["mlp_dim"] = std::to_string(s.dim(enc + "blocks.0.mlp.lin1.weight", 0, 2));
  c["neck_dim"] = std::to_string(s.dim(enc + "neck.0.weight", 0, 4));
  sam_decoder_config(s, c);
  if (grid * patch != 1024) s.problem("position embedding grid " + std::to_string(grid) + " does not cover 1024 pixels");
  return c;
}

// --- efficient_sam_*: plain ViT with a pretraining-size absolute position embedding ---

bool is_efficient_sam(const Shapes& s) {
  const auto it = s.all().find("image_encoder.pos_embed");
  return it != s.all().end() && it->second.rank == 3 && s.has("image_encoder.patch_embed.proj.weight") &&
         s.has_prefix("image_encoder.blocks.0.") && !s.has("image_encoder.blocks.0.attn.rel_pos_h") && has_sam_decoder(s);
}

std::string efficient_sam_variant(int64_t embed) {
  if (embed == 192) return "efficient_sam_vitt";
  if (embed == 384) return "efficient_sam_vits";
  return "";
}

Config efficient_sam_config(const Shapes& s, int64_t heads) {
  const std::string enc = "image_encoder.";
  const int64_t embed = s.dim(enc + "patch_embed.proj.weight", 0, 4);
  const int64_t positions = s.dim(enc + "pos_embed", 1, 3) - 1;  // minus the class token
  const auto grid = static_cast<int64_t>(std::lround(std::sqrt(static_cast<double>(std::max<int64_t>(positions, 0)))));
  if (grid * grid != positions) s.problem("pos_embed does not hold a square grid plus a class token");
  Config c;
  c["embed_dim"] = std::to_string(embed);
  c["depth"] = std::to_string(s.count(enc + "blocks.", "."));
  c["num_heads"] = std::to_string(heads);  // not visible in any shape: fixed per release
  c["patch_size"] = std::to_string(s.dim(enc + "patch_embed.proj.weight", 2, 4));
  c["pos_embed_grid"] = std::to_string(grid);
  c["mlp_dim"] = std::to_string(s.dim(enc + "blocks.0.mlp.fc1.weight", 0, 2));
  c["neck_dim"] = std::to_string(s.dim(enc + "neck.0.weight", 0, 4));
  sam_decoder_config(s, c);
  return c;
}

// --- Ultralytics YOLOv8: model.N is the Detect/Segment head, found by its DFL layer ---

std::optional<int64_t> yolo_head(const Shapes& s) {
  const std::string prefix = "model.", suffix = ".dfl.conv.weight";
  for (auto it = s.all().lower_bound(prefix); it != s.all().end() && it->first.compare(0, prefix.size(), prefix) == 0; ++it) {
    const std::string& n = it->first;
    if (n.size() <= prefix.size() + suffix.size() || n.compare(n.size() - suffix.size(), suffix.size(), suffix) != 0) continue;
    const std::string index = n.substr(prefix.size(), n.size() - prefix.size() - suffix.size());
    if (index.empty() || index.size() > 4 || index.find_first_not_of("0123456789") != std::string::npos) continue;
    return std::stoll(index);
  }
  return std::nullopt;
}

bool is_yolo_seg(const Shapes& s) {
  const auto head = yolo_head(s);
  return head && s.has_prefix("model." + std::to_string(*head) + ".proto.");
}

Config yolo_config(const Shapes& s, bool segment) {
  const auto head_index = yolo_head(s);
  if (!head_index) s.problem("no Detect head (model.N.dfl.conv.weight)");
  const std::string head = "model." + std::to_string(*head_index) + ".";
  Config c;
  c["head_index"] = std::to_string(*head_index);
  c["num_levels"] = std::to_string(s.count(head + "cv2.", "."));
  c["num_classes"] = std::to_string(s.dim(head + "cv3.0.2.weight", 0, 4));
  c["reg_max"] = std::to_string(s.dim(head + "dfl.conv.weight", 1, 4));
  c["base_channels"] = std::to_string(s.dim("model.0.conv.weight", 0, 4));
  if (segment) {
    c["num_masks"] = std::to_string(s.dim(head + "cv4.0.2.weight", 0, 4));
    c["proto_channels"] = std::to_string(s.dim(head + "proto.cv1.conv.weight", 0, 4));
  }
  return c;
}

}  // namespace

const std::vector<std::string>& known_families() {
  static const std::vector<std::string> families = {
      "mobile_sam", "sam_vit_b", "sam_vit_l", "sam_vit_h", "efficient_sam_vitt", "efficient_sam_vits", "fastsam", "yolov8_det"};
  return families;
}

std::string detect_family(const std::vector<NamedTensor>& tensors, const std::string& where) {
  const Shapes s(tensors, where, "?");
  if (yolo_head(s)) return is_yolo_seg(s) ? "fastsam" : "yolov8_det";
  if (is_mobile_sam(s)) return "mobile_sam";
  if (is_sam_vit(s)) {
    const int64_t embed = s.dim("image_encoder.patch_embed.proj.weight", 0, 4);
    const int64_t depth = s.count("image_encoder.blocks.", ".");
    const std::string v = sam_vit_variant(embed, depth);
    if (v.empty())
      fail(where, "a SAM ViT encoder with embed dim " + std::to_string(embed) + " and depth " + std::to_string(depth) +
                      " matches no released model (vit_b 768/12, vit_l 1024/24, vit_h 1280/32)");
    return v;
  }
  if (is_efficient_sam(s)) {
    const int64_t embed = s.dim("image_encoder.patch_embed.proj.weight", 0, 4);
    const std::string v = efficient_sam_variant(embed);
    if (v.empty())
      fail(where, "an EfficientSAM encoder with embed dim " + std::to_string(embed) + " matches no release (vitt 192, vits 384)");
    return v;
  }
  std::string keys;
  for (size_t i = 0; i < tensors.size() && i < 5; ++i) keys += (i ? ", " : "") + tensors[i].name;
  fail(where, "no known model family: " + std::to_string(tensors.size()) + " tensors, first keys: " + keys);
}

Config family_config(const std::string& family, const std::vector<NamedTensor>& tensors, const std::string& where) {
  const Shapes s(tensors, where, family);
  if (family == "mobile_sam") return mobile_sam_config(s);
  if (family == "sam_vit_b" || family == "sam_vit_l" || family == "sam_vit_h") {
    Config c = sam_vit_config(s);
    const std::string v = sam_vit_variant(std::stoll(c["embed_dim"]), std::stoll(c["depth"]));
    if (v != family) s.problem("embed dim " + c["embed_dim"] + " and depth " + c["depth"] + " do not match");
    return c;
  }
  if (family == "efficient_sam_vitt" || family == "efficient_sam_vits") {
    Config c = efficient_sam_config(s, family == "efficient_sam_vitt" ? 3 : 6);
    if (efficient_sam_variant(std::stoll(c["embed_dim"])) != family) s.problem("embed dim " + c["embed_dim"] + " does not match");
    return c;
  }
  if (family == "fastsam") return yolo_config(s, true);
  if (family == "yolov8_det") return yolo_config(s, false);
  std::string names;
  for (const std::string& f : known_families()) names += (names.empty() ? "" : ", ") + f;
  fail(where, "unknown model family '" + family + "' (known: " + names + ")");
}

double default_batchnorm_eps(const std::string& family) {
  return family == "fastsam" || family == "yolov8_det" ? 1e-3 : 1e-5;
}

}  // namespace lsam
