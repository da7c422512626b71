// Deterministic random weights for a named tensor, initialised the way its name says it is used, so a
// model built from them computes in a sane numeric range (the demo without a checkpoint).
#pragma once

#include <cstdint>
#include <string>

#include "engine/tensor.h"

namespace lsam {

// 1-D "*.weight" (norm scales): 1 + U(-0.1, 0.1); 1-D "*.bias": U(-0.02, 0.02); everything else, PyTorch's
// default fan-in init U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with fan_in = numel / dim(0). The stream depends
// only on (seed, name, shape), so a tensor is the same whatever order a model asks for its weights.
Tensor synthetic_tensor(const std::string& name, const Shape& shape, uint64_t seed);

}  // namespace lsam
