// Helpers shared by the graph-level tests.
#pragma once

#include <algorithm>
#include <cmath>

#include "engine/tensor.h"

namespace lsam::graph::test {

// Largest |got - expected| relative to the largest |expected|: the scale-free error of a whole output.
inline double relative_error(const Tensor& got, const Tensor& expected) {
  if (got.shape() != expected.shape()) return INFINITY;
  double diff = 0, scale = 0;
  for (int64_t i = 0; i < got.numel(); ++i) {
    diff = std::max(diff, std::fabs(static_cast<double>(got.data<float>()[i]) - expected.data<float>()[i]));
    scale = std::max(scale, std::fabs(static_cast<double>(expected.data<float>()[i])));
  }
  return diff / scale;
}

}  // namespace lsam::graph::test
