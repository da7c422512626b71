// PyTorch checkpoint -> Weights: unpickle, collect the named tensors (as f32), recognise the family, read
// its configuration, fold BatchNorms. The same path serves `lsam convert` and WeightStore::open on a .pt.
#pragma once

#include <memory>
#include <string>

#include "weights/file_bytes.h"
#include "weights/named_weights.h"

namespace lsam {

struct ConvertOptions {
  std::string family;  // empty: detect from the tensor names
};

Weights convert_torch(std::shared_ptr<const FileBytes> file, const ConvertOptions& options = {});

}  // namespace lsam
