// AVX2 peak loop: 12 ymm chains (of 16 registers).
#include <immintrin.h>

#include <cstdint>

#include "kernels/peak/peak.h"

namespace lsam {
namespace {

struct Vec {
  using T = __m256;
  static constexpr int width = 8;
  static T set1(float x) { return _mm256_set1_ps(x); }
  static T fma(T a, T b, T c) { return _mm256_fmadd_ps(a, b, c); }
};

#include "kernels/peak/fma_chains.inc"

}  // namespace

int64_t peak_fma_f32_avx2(int64_t iters) { return fma_chains<12>(iters); }

}  // namespace lsam
