// AVX2 + FMA instances of the shared conv kernels (igemm.inl, depthwise.inl) over an 8-float wrapper.
#include <immintrin.h>

#include <cstdint>

#include "kernels/conv/conv_kernels.h"

namespace lsam {
namespace {

// Lane masks for partial vectors: the 8 ints at kLaneMask + 8 - n are n set lanes, then zeros.
alignas(64) constexpr int32_t kLaneMask[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};

struct VecAvx2 {
  static constexpr int width = 8;
  __m256 v;

  static __m256i lanes(int64_t n) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(kLaneMask + 8 - n)); }
  static VecAvx2 set(float x) { return {_mm256_set1_ps(x)}; }
  static VecAvx2 load(const float* p) { return {_mm256_loadu_ps(p)}; }
  static VecAvx2 load(const float* p, int64_t n) { return {_mm256_maskload_ps(p, lanes(n))}; }
  void store(float* p) const { _mm256_storeu_ps(p, v); }
  void store(float* p, int64_t n) const { _mm256_maskstore_ps(p, lanes(n), v); }

  friend VecAvx2 operator+(VecAvx2 a, VecAvx2 b) { return {_mm256_add_ps(a.v, b.v)}; }
  friend VecAvx2 operator-(VecAvx2 a, VecAvx2 b) { return {_mm256_sub_ps(a.v, b.v)}; }
  friend VecAvx2 operator*(VecAvx2 a, VecAvx2 b) { return {_mm256_mul_ps(a.v, b.v)}; }
  friend VecAvx2 operator/(VecAvx2 a, VecAvx2 b) { return {_mm256_div_ps(a.v, b.v)}; }
  static VecAvx2 fma(VecAvx2 a, VecAvx2 b, VecAvx2 c) { return {_mm256_fmadd_ps(a.v, b.v, c.v)}; }
  static VecAvx2 min(VecAvx2 a, VecAvx2 b) { return {_mm256_min_ps(a.v, b.v)}; }
  static VecAvx2 max(VecAvx2 a, VecAvx2 b) { return {_mm256_max_ps(a.v, b.v)}; }
  static VecAvx2 recip(VecAvx2 a) {  // 12-bit estimate, one Newton step: ~1 ulp, cheaper than vdivps
    const __m256 r = _mm256_rcp_ps(a.v);
    return {_mm256_mul_ps(r, _mm256_fnmadd_ps(a.v, r, _mm256_set1_ps(2.f)))};
  }
  static VecAvx2 round(VecAvx2 a) { return {_mm256_round_ps(a.v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)}; }
  static VecAvx2 pow2(VecAvx2 n) {
    const __m256i e = _mm256_add_epi32(_mm256_cvtps_epi32(n.v), _mm256_set1_epi32(127));
    return {_mm256_castsi256_ps(_mm256_slli_epi32(e, 23))};
  }
};

}  // namespace
}  // namespace lsam

#include "kernels/conv/depthwise.inl"
#include "kernels/conv/igemm.inl"

namespace lsam {

// 6 x 2 vectors: 12 accumulators, 2 weight vectors and a broadcast in AVX2's 16 registers.
void conv_igemm_f32_avx2_6x16(const ConvIgemmArgs& args) { igemm<VecAvx2, 6, 2>(args); }

void depthwise3x3_f32_avx2(const DepthwiseArgs& args, int64_t row_begin, int64_t row_end) {
  depthwise3x3<VecAvx2>(args, row_begin, row_end);
}

}  // namespace lsam
