// AVX-512 instantiation of the fused attention kernel (flash.inc). The portable variant (scalar.cpp) uses
// the same tile shape, so the tests exercise this blocking on machines without AVX-512.
// GCC 12's AVX-512 intrinsics pass a self-initialised _mm512_undefined_ps() as the unused merge source and
// warn about it once inlined (fixed in GCC 13); the warning is about the header, not this code.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#include <cmath>
#include <cstdint>

#include "kernels/attention/attention.h"

namespace lsam {
namespace {

struct Avx512 {
  using Reg = __m512;
  static constexpr int kWidth = 16;
  // 12 x 2 accumulators + 2 loaded vectors + 1 broadcast = 27 of the 32 zmm registers.
  static constexpr int kMr = 12;

  static __mmask16 first_lanes(int n) { return static_cast<__mmask16>((1u << n) - 1); }

  static Reg zero() { return _mm512_setzero_ps(); }
  static Reg set1(float x) { return _mm512_set1_ps(x); }
  static Reg load(const float* p) { return _mm512_loadu_ps(p); }
  static Reg load_first(const float* p, int n) { return _mm512_maskz_loadu_ps(first_lanes(n), p); }
  static void store(float* p, Reg x) { _mm512_storeu_ps(p, x); }
  static void store_first(float* p, Reg x, int n) { _mm512_mask_storeu_ps(p, first_lanes(n), x); }
  static Reg add(Reg a, Reg b) { return _mm512_add_ps(a, b); }
  static Reg sub(Reg a, Reg b) { return _mm512_sub_ps(a, b); }
  static Reg mul(Reg a, Reg b) { return _mm512_mul_ps(a, b); }
  static Reg max(Reg a, Reg b) { return _mm512_max_ps(a, b); }
  static Reg fma(Reg a, Reg b, Reg c) { return _mm512_fmadd_ps(a, b, c); }
  static Reg select_first(Reg a, Reg b, int n) { return _mm512_mask_blend_ps(first_lanes(n), b, a); }
  static float reduce_max(Reg x) { return _mm512_reduce_max_ps(x); }
  static float reduce_add(Reg x) { return _mm512_reduce_add_ps(x); }
  static Reg pow2_of_rounded(Reg t) {
    // The low mantissa bits of t hold n + 2^22; shifting n + 127 into the exponent field drops the 2^22.
    const __m512i bits = _mm512_add_epi32(_mm512_castps_si512(t), _mm512_set1_epi32(127));
    return _mm512_castsi512_ps(_mm512_slli_epi32(bits, 23));
  }

  static Reg unpacklo_pd(Reg a, Reg b) {
    return _mm512_castpd_ps(_mm512_unpacklo_pd(_mm512_castps_pd(a), _mm512_castps_pd(b)));
  }
  static Reg unpackhi_pd(Reg a, Reg b) {
    return _mm512_castpd_ps(_mm512_unpackhi_pd(_mm512_castps_pd(a), _mm512_castps_pd(b)));
  }

  // 16 x 16: interleave element pairs, then 64-bit pairs, then 128-bit lanes twice.
  static void transpose(Reg (&r)[16]) {
    Reg t[16];
    for (int i = 0; i < 16; i += 2) {
      t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
      t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
    }
    for (int i = 0; i < 16; i += 4) {
      r[i] = unpacklo_pd(t[i], t[i + 2]);
      r[i + 1] = unpackhi_pd(t[i], t[i + 2]);
      r[i + 2] = unpacklo_pd(t[i + 1], t[i + 3]);
      r[i + 3] = unpackhi_pd(t[i + 1], t[i + 3]);
    }
    for (int i = 0; i < 16; i += 8)
      for (int j = 0; j < 4; ++j) {
        t[i + j] = _mm512_shuffle_f32x4(r[i + j], r[i + j + 4], 0x88);
        t[i + j + 4] = _mm512_shuffle_f32x4(r[i + j], r[i + j + 4], 0xdd);
      }
    for (int j = 0; j < 8; ++j) {
      r[j] = _mm512_shuffle_f32x4(t[j], t[j + 8], 0x88);
      r[j + 8] = _mm512_shuffle_f32x4(t[j], t[j + 8], 0xdd);
    }
  }
};

#include "kernels/attention/flash.inc"

}  // namespace

AttentionPlan attention_plan_f32_avx512(const AttentionArgs& args) { return Flash<Avx512>::plan(args); }

void attention_f32_avx512(const AttentionArgs& args, const AttentionPlan& plan, int64_t first, int64_t last,
                          float* scratch) {
  Flash<Avx512>::run(args, plan, first, last, scratch);
}

}  // namespace lsam
