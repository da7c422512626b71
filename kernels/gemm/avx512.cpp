// AVX-512 GEMM kernel: 12 x 32 tile, 24 zmm accumulators + 2 for the B row + 1 broadcast = 27 of 32. The
// body is AVX2's (ukernel.inc), so the AVX2 tests cover its logic on machines without AVX-512.
// GCC 12 warns that _mm512_undefined_ps() (the pass-through of max/min) "is (maybe) used uninitialized" wherever
// those intrinsics inline (GCC PR 105593, fixed in 13): silence it for the intrinsics header only.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop
#else
#include <immintrin.h>
#endif

#include <cstdint>

#include "kernels/gemm/ukernel.h"

namespace lsam {
namespace {

struct Vec {
  using T = __m512;
  using I = int32_t __attribute__((vector_size(64)));
  static constexpr int width = 16;
  static T zero() { return _mm512_setzero_ps(); }
  static T set1(float x) { return _mm512_set1_ps(x); }
  static T load(const float* p) { return _mm512_loadu_ps(p); }
  static void store(float* p, T v) { _mm512_storeu_ps(p, v); }
  static T broadcast(const float* p) { return _mm512_set1_ps(*p); }
  static T fma(T a, T b, T c) { return _mm512_fmadd_ps(a, b, c); }
  static T min(T a, T b) { return _mm512_min_ps(a, b); }
  static T max(T a, T b) { return _mm512_max_ps(a, b); }
  static T recip(T x) {  // 14-bit estimate, one Newton step
    const T r = _mm512_rcp14_ps(x);
    return _mm512_mul_ps(r, _mm512_fnmadd_ps(x, r, _mm512_set1_ps(2.f)));
  }
};

#include "kernels/gemm/vmath.inc"
#include "kernels/gemm/ukernel.inc"

}  // namespace

void gemm_ukernel_f32_avx512_12x32(const GemmUkernelArgs& args) { gemm_block<12, 2>(args); }

}  // namespace lsam
