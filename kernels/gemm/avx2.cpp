// AVX2 + FMA GEMM kernel: 6 x 16 tile, 12 ymm accumulators + 2 for the B row + 1 broadcast = 15 of 16.
#include <immintrin.h>

#include <cstdint>

#include "kernels/gemm/ukernel.h"

namespace lsam {
namespace {

struct Vec {
  using T = __m256;
  using I = int32_t __attribute__((vector_size(32)));
  static constexpr int width = 8;
  static T zero() { return _mm256_setzero_ps(); }
  static T set1(float x) { return _mm256_set1_ps(x); }
  static T load(const float* p) { return _mm256_loadu_ps(p); }
  static void store(float* p, T v) { _mm256_storeu_ps(p, v); }
  static T broadcast(const float* p) { return _mm256_broadcast_ss(p); }
  static T fma(T a, T b, T c) { return _mm256_fmadd_ps(a, b, c); }
  static T min(T a, T b) { return _mm256_min_ps(a, b); }
  static T max(T a, T b) { return _mm256_max_ps(a, b); }
  static T recip(T x) {  // 12-bit estimate, one Newton step: ~1 ulp, a third of vdivps's issue cost
    const T r = _mm256_rcp_ps(x);
    return _mm256_mul_ps(r, _mm256_fnmadd_ps(x, r, _mm256_set1_ps(2.f)));
  }
};

#include "kernels/gemm/vmath.inc"
#include "kernels/gemm/ukernel.inc"

}  // namespace

void gemm_ukernel_f32_avx2_6x16(const GemmUkernelArgs& args) { gemm_block<6, 2>(args); }

}  // namespace lsam
