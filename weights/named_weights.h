// What every stage of the weights pipeline passes on: named f32 tensors plus what is known about the model.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "engine/tensor.h"
#include "weights/source_dtype.h"

namespace lsam {

struct NamedTensor {
  std::string name;  // the state_dict key, e.g. "image_encoder.patch_embed.seq.0.c.weight"
  Tensor value;      // contiguous f32
  SourceDType source = SourceDType::f32;
};

// Model configuration as text: plain numbers ("256") or comma-separated lists ("2,2,6,2").
using Config = std::map<std::string, std::string>;

struct Weights {
  std::string family;                   // "mobile_sam", "sam_vit_b", ... (family.h)
  Config config;
  std::vector<std::string> transforms;  // applied by the converter, e.g. "bn_folded"
  std::string source_format;            // "torch zip v3", "torch legacy", "lsam v1"
  std::vector<NamedTensor> tensors;     // in state_dict order
};

// An uninitialised contiguous f32 tensor on the heap. Weights outlive any forward pass, so they must never
// come from the thread's current allocator, which may be a pass's arena.
Tensor heap_f32(const Shape& shape);

}  // namespace lsam
