// Helpers shared by the graph-level tests.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>

#include "engine/tensor.h"
#include "engine/threads.h"

namespace lsam::graph::test {

// Standard normal entries, reproducible from the seed.
inline Tensor random_tensor(const Shape& shape, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> normal(0.f, 1.f);
  Tensor t = Tensor::empty(shape);
  for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = normal(rng);
  return t;
}

// Whether two float tensors of equal element count hold the same bits: what a fused op that reorders no
// reduction must give against its unfused ops.
inline bool same_bits(const Tensor& a, const Tensor& b) {
  return a.numel() == b.numel() &&
         std::memcmp(a.data<float>(), b.data<float>(), static_cast<size_t>(a.numel()) * sizeof(float)) == 0;
}

// Restores the thread count when a test case ends.
struct ThreadCountGuard {
  int saved = num_threads();
  ~ThreadCountGuard() { set_num_threads(saved); }
};

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
