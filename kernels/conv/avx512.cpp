// AVX-512 instances of the shared conv kernels (igemm.inl, depthwise.inl) over a 16-float wrapper.
// GCC 12 flags the _mm512_undefined_* placeholders inside its own AVX-512 intrinsics as (maybe) uninitialized
// (GCC bug 105593, fixed in GCC 13); the warning says nothing about this code.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include <immintrin.h>

#include <cstdint>

#include "kernels/conv/conv_kernels.h"

namespace lsam {
namespace {

struct VecAvx512 {
  static constexpr int width = 16;
  __m512 v;

  static __mmask16 lanes(int64_t n) { return static_cast<__mmask16>((1u << n) - 1); }
  static VecAvx512 set(float x) { return {_mm512_set1_ps(x)}; }
  static VecAvx512 load(const float* p) { return {_mm512_loadu_ps(p)}; }
  static VecAvx512 load(const float* p, int64_t n) { return {_mm512_maskz_loadu_ps(lanes(n), p)}; }
  void store(float* p) const { _mm512_storeu_ps(p, v); }
  void store(float* p, int64_t n) const { _mm512_mask_storeu_ps(p, lanes(n), v); }

  friend VecAvx512 operator+(VecAvx512 a, VecAvx512 b) { return {_mm512_add_ps(a.v, b.v)}; }
  friend VecAvx512 operator-(VecAvx512 a, VecAvx512 b) { return {_mm512_sub_ps(a.v, b.v)}; }
  friend VecAvx512 operator*(VecAvx512 a, VecAvx512 b) { return {_mm512_mul_ps(a.v, b.v)}; }
  friend VecAvx512 operator/(VecAvx512 a, VecAvx512 b) { return {_mm512_div_ps(a.v, b.v)}; }
  static VecAvx512 fma(VecAvx512 a, VecAvx512 b, VecAvx512 c) { return {_mm512_fmadd_ps(a.v, b.v, c.v)}; }
  static VecAvx512 min(VecAvx512 a, VecAvx512 b) { return {_mm512_min_ps(a.v, b.v)}; }
  static VecAvx512 max(VecAvx512 a, VecAvx512 b) { return {_mm512_max_ps(a.v, b.v)}; }
  static VecAvx512 recip(VecAvx512 a) {  // 14-bit estimate, one Newton step
    const __m512 r = _mm512_rcp14_ps(a.v);
    return {_mm512_mul_ps(r, _mm512_fnmadd_ps(a.v, r, _mm512_set1_ps(2.f)))};
  }
  static VecAvx512 round(VecAvx512 a) {
    return {_mm512_roundscale_ps(a.v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)};
  }
  static VecAvx512 pow2(VecAvx512 n) {
    const __m512i e = _mm512_add_epi32(_mm512_cvtps_epi32(n.v), _mm512_set1_epi32(127));
    return {_mm512_castsi512_ps(_mm512_slli_epi32(e, 23))};
  }
};

}  // namespace
}  // namespace lsam

#include "kernels/conv/depthwise.inl"
#include "kernels/conv/igemm.inl"

namespace lsam {

// 12 x 2 vectors: 24 accumulators, 2 weight vectors and a broadcast in AVX-512's 32 registers, and 12 row
// pointers in the general-purpose ones.
void conv_igemm_f32_avx512_12x32(const ConvIgemmArgs& args) { igemm<VecAvx512, 12, 2>(args); }

void depthwise3x3_f32_avx512(const DepthwiseArgs& args, int64_t row_begin, int64_t row_end) {
  depthwise3x3<VecAvx512>(args, row_begin, row_end);
}

}  // namespace lsam
