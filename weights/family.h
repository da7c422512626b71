// Which released model a set of tensors is, and the configuration its tensor shapes imply.
//
//   mobile_sam                    TinyViT encoder (image_encoder.layers.N.blocks...) + SAM decoder
//   sam_vit_b / sam_vit_l / sam_vit_h      ViT encoder with relative positions, by (embed dim, depth)
//   efficient_sam_vitt / efficient_sam_vits   ViT encoder with an absolute pos_embed, by embed dim
//   fastsam                       Ultralytics YOLOv8 segmentation model (model.N.proto...)
//   yolov8_det                    Ultralytics YOLOv8 detector (MobileSAMv2's object-aware model)
#pragma once

#include <string>
#include <vector>

#include "weights/named_weights.h"

namespace lsam {

const std::vector<std::string>& known_families();

// Throws "WHERE: no known model family: N tensors, first keys: ..." when nothing matches.
std::string detect_family(const std::vector<NamedTensor>& tensors, const std::string& where);

// The configuration of `family` read from the tensors' shapes (plus the family's fixed facts, such as
// the 1024 input size). Throws when the tensors do not fit the family: a missing tensor, a wrong size.
Config family_config(const std::string& family, const std::vector<NamedTensor>& tensors, const std::string& where);

// The BatchNorm eps to fold with when the checkpoint does not record it (plain state dicts):
// Ultralytics builds its BatchNorm2d with eps 1e-3, everything else uses PyTorch's 1e-5.
double default_batchnorm_eps(const std::string& family);

}  // namespace lsam
