// Baseline peak loop: 4-float GCC vectors (SSE2), multiply + add as two instructions (no FMA in SSE2).
#include <cstdint>

#include "kernels/peak/peak.h"

namespace lsam {
namespace {

struct Vec {
  using T = float __attribute__((vector_size(16)));
  static constexpr int width = 4;
  static T set1(float x) { return T{} + x; }
  static T fma(T a, T b, T c) { return a * b + c; }
};

#include "kernels/peak/fma_chains.inc"

}  // namespace

int64_t peak_fma_f32_scalar(int64_t iters) { return fma_chains<12>(iters); }

}  // namespace lsam
