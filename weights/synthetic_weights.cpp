#include "weights/synthetic_weights.h"

#include <cmath>

#include "weights/named_weights.h"

namespace lsam {
namespace {

uint64_t splitmix64(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

bool ends_with(const std::string& s, const char* suffix) {
  const std::string t = suffix;
  return s.size() >= t.size() && s.compare(s.size() - t.size(), t.size(), t) == 0;
}

}  // namespace

Tensor synthetic_tensor(const std::string& name, const Shape& shape, uint64_t seed) {
  uint64_t state = seed;
  for (unsigned char c : name) state = (state ^ c) * 1099511628211ull;  // FNV-1a of the name
  Tensor t = heap_f32(shape);
  float* v = t.data<float>();
  const int64_t n = t.numel();
  float offset = 0, range;
  if (shape.rank == 1 && ends_with(name, ".weight")) {
    offset = 1.0f, range = 0.1f;
  } else if (shape.rank == 1) {
    range = 0.02f;
  } else {
    const int64_t fan_in = shape[0] > 0 ? n / shape[0] : 1;
    range = 1.0f / std::sqrt(static_cast<float>(std::max<int64_t>(fan_in, 1)));
  }
  for (int64_t i = 0; i < n; ++i) {
    const double u = static_cast<double>(splitmix64(state) >> 11) * 0x1.0p-53;  // [0, 1)
    v[i] = offset + range * static_cast<float>(2.0 * u - 1.0);
  }
  return t;
}

}  // namespace lsam
