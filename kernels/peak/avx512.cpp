// AVX-512 peak loop: 24 zmm chains (of 32 registers).
#include <immintrin.h>

#include <cstdint>

#include "kernels/peak/peak.h"

namespace lsam {
namespace {

struct Vec {
  using T = __m512;
  static constexpr int width = 16;
  static T set1(float x) { return _mm512_set1_ps(x); }
  static T fma(T a, T b, T c) { return _mm512_fmadd_ps(a, b, c); }
};

#include "kernels/peak/fma_chains.inc"

}  // namespace

int64_t peak_fma_f32_avx512(int64_t iters) { return fma_chains<24>(iters); }

}  // namespace lsam
