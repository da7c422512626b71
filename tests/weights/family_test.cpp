#include <doctest/doctest.h>

#include <algorithm>

#include "tests/weights/test_util.h"
#include "weights/family.h"

namespace {

using lsam::NamedTensor;
using lsam::test::error_of;

// Family rules read shapes only, so every tensor here views one small buffer whatever its shape.
alignas(64) float dummy[16];

struct Tensors {
  std::vector<NamedTensor> list;
  Tensors& add(const std::string& name, const lsam::Shape& shape) {
    list.push_back({name, lsam::Tensor::borrow(dummy, shape, lsam::DType::f32, nullptr), lsam::SourceDType::f32});
    return *this;
  }
};

Tensors sam_decoder(Tensors t, int64_t dim = 256) {
  return t.add("mask_decoder.iou_token.weight", {1, dim})
      .add("mask_decoder.mask_tokens.weight", {4, dim})
      .add("mask_decoder.transformer.layers.0.mlp.lin1.weight", {2048, dim})
      .add("mask_decoder.transformer.layers.1.mlp.lin1.weight", {2048, dim});
}

Tensors sam_vit(int64_t embed, int64_t depth, std::vector<int64_t> global) {
  Tensors t;
  t.add("image_encoder.patch_embed.proj.weight", {embed, 3, 16, 16}).add("image_encoder.pos_embed", {1, 64, 64, embed});
  for (int64_t i = 0; i < depth; ++i) {
    const bool g = std::find(global.begin(), global.end(), i) != global.end();
    t.add("image_encoder.blocks." + std::to_string(i) + ".attn.rel_pos_h", {g ? 127 : 27, 64});
  }
  t.add("image_encoder.blocks.0.mlp.lin1.weight", {4 * embed, embed}).add("image_encoder.neck.0.weight", {256, embed, 1, 1});
  return sam_decoder(t);
}

Tensors yolo(bool segment) {
  Tensors t;
  t.add("model.0.conv.weight", {80, 3, 3, 3}).add("model.22.cv2.0.2.weight", {64, 80, 1, 1});
  t.add("model.22.cv2.1.2.weight", {64, 80, 1, 1}).add("model.22.cv2.2.2.weight", {64, 80, 1, 1});
  t.add("model.22.cv3.0.2.weight", {80, 80, 1, 1}).add("model.22.dfl.conv.weight", {1, 16, 1, 1});
  if (segment) t.add("model.22.cv4.0.2.weight", {32, 80, 1, 1}).add("model.22.proto.cv1.conv.weight", {320, 320, 3, 3});
  return t;
}

}  // namespace

TEST_CASE("family: SAM ViT variants by embed dim and depth, config from shapes") {
  const Tensors h = sam_vit(1280, 32, {7, 15, 23, 31});
  CHECK(lsam::detect_family(h.list, "f") == "sam_vit_h");
  const lsam::Config c = lsam::family_config("sam_vit_h", h.list, "f");
  CHECK(c.at("global_attn_indexes") == "7,15,23,31");
  CHECK(c.at("num_heads") == "20");
  CHECK(c.at("window_size") == "14");
  CHECK(c.at("decoder_depth") == "2");
  CHECK(c.at("num_multimask_outputs") == "3");
  CHECK(lsam::detect_family(sam_vit(768, 12, {2, 5, 8, 11}).list, "f") == "sam_vit_b");
  CHECK(lsam::detect_family(sam_vit(1024, 24, {5, 11, 17, 23}).list, "f") == "sam_vit_l");
  CHECK(error_of([] { lsam::detect_family(sam_vit(768, 24, {}).list, "f.pt"); })
            .find("f.pt: a SAM ViT encoder with embed dim 768 and depth 24 matches no released model") == 0);
  CHECK(error_of([&] { lsam::family_config("sam_vit_l", sam_vit(768, 12, {}).list, "f.pt"); }) ==
        "f.pt: as sam_vit_l: embed dim 768 and depth 12 do not match");
}

TEST_CASE("family: Ultralytics detector and segmenter") {
  CHECK(lsam::detect_family(yolo(true).list, "f") == "fastsam");
  CHECK(lsam::detect_family(yolo(false).list, "f") == "yolov8_det");
  const lsam::Config c = lsam::family_config("fastsam", yolo(true).list, "f");
  CHECK(c.at("head_index") == "22");
  CHECK(c.at("num_levels") == "3");
  CHECK(c.at("num_classes") == "80");
  CHECK(c.at("num_masks") == "32");
  CHECK(c.at("proto_channels") == "320");
  CHECK(c.at("base_channels") == "80");
  CHECK(lsam::default_batchnorm_eps("fastsam") == 1e-3);
  CHECK(lsam::default_batchnorm_eps("mobile_sam") == 1e-5);
  CHECK(error_of([] { lsam::family_config("fastsam", yolo(false).list, "f.pt"); }) ==
        "f.pt: as fastsam: lacks tensor 'model.22.cv4.0.2.weight'");
}

TEST_CASE("family: EfficientSAM") {
  Tensors t;
  t.add("image_encoder.patch_embed.proj.weight", {384, 3, 16, 16}).add("image_encoder.pos_embed", {1, 197, 384});
  t.add("image_encoder.blocks.0.mlp.fc1.weight", {1536, 384}).add("image_encoder.neck.0.weight", {256, 384, 1, 1});
  t = sam_decoder(t);
  CHECK(lsam::detect_family(t.list, "f") == "efficient_sam_vits");
  const lsam::Config c = lsam::family_config("efficient_sam_vits", t.list, "f");
  CHECK(c.at("num_heads") == "6");
  CHECK(c.at("pos_embed_grid") == "14");
  CHECK(c.at("depth") == "1");
}

TEST_CASE("family: nothing known names what it found") {
  Tensors t;
  t.add("a", {1}).add("b", {2});
  CHECK(error_of([&] { lsam::detect_family(t.list, "f.pt"); }) == "f.pt: no known model family: 2 tensors, first keys: a, b");
  CHECK(error_of([&] { lsam::family_config("sam_vit_x", t.list, "f.pt"); }).find("f.pt: unknown model family 'sam_vit_x' (known: mobile_sam,") == 0);
}
