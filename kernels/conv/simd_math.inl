// Fused-epilogue activations, written once over a SIMD wrapper V (VecAvx2 in avx2.cpp, VecAvx512 in
// avx512.cpp) so that the AVX2 tests exercise the code the AVX-512 build runs. Included only by ISA
// translation units, inside their anonymous namespace: nothing here gets external linkage.
//
// V provides: width, set, load, store (whole or the first n lanes), + - * /, fma(a, b, c) = a * b + c, min, max,
// recip(a) ~ 1 / a (an estimate refined once: about an ulp, and not bound by the divider's throughput), round
// (to nearest) and pow2(n) = 2^n for integral n. Everything is forced inline: an out-of-line call would
// spill every live vector register, since the ABI preserves none of them.
#pragma once

#include "kernels/eltwise/activation.h"

namespace lsam {
namespace {

// Cephes' expf: e^x = 2^n e^r with n = round(x / ln 2), |r| <= ln(2) / 2, e^r by a degree-6 polynomial
// (about 1 ulp). The clamp keeps 2^n a normal float, so huge negative x gives ~1e-38 instead of 0.
template <class V>
[[gnu::always_inline]] inline V exp_approx(V x) {
  x = V::min(V::max(x, V::set(-87.3f)), V::set(88.3f));
  const V n = V::round(x * V::set(1.44269504088896341f));
  V r = V::fma(n, V::set(-0.693359375f), x);  // ln 2 split in two so n * ln2 stays exact
  r = V::fma(n, V::set(2.12194440e-4f), r);
  V p = V::set(1.9875691500e-4f);
  p = V::fma(p, r, V::set(1.3981999507e-3f));
  p = V::fma(p, r, V::set(8.3334519073e-3f));
  p = V::fma(p, r, V::set(4.1665795894e-2f));
  p = V::fma(p, r, V::set(1.6666665459e-1f));
  p = V::fma(p, r, V::set(5.0000001201e-1f));
  p = V::fma(p, r * r, r + V::set(1.0f));
  return p * V::pow2(n);
}

// GELU(x) = x (1 + erf(x / sqrt 2)) / 2, with erf as Eigen's rational minimax approximation on [-4, 4]
// (x P(x^2) / Q(x^2); beyond 4, erf rounds to +-1 in float): |error| < 3e-7 absolute, ~20 operations and no
// exp. The GEMM epilogue uses the same approximation, so 1x1 (GEMM) and other convs agree on GELU.
template <class V>
[[gnu::always_inline]] inline V gelu(V x) {
  const V u = V::min(V::max(x * V::set(0.70710678118654752f), V::set(-4.0f)), V::set(4.0f));
  const V u2 = u * u;
  V p = V::fma(u2, V::set(-2.72614225801306e-10f), V::set(2.77068142495902e-08f));
  p = V::fma(u2, p, V::set(-2.10102402082508e-06f));
  p = V::fma(u2, p, V::set(-5.69250639462346e-05f));
  p = V::fma(u2, p, V::set(-7.34990630326855e-04f));
  p = V::fma(u2, p, V::set(-2.95459980854025e-03f));
  p = V::fma(u2, p, V::set(-1.60960333262415e-02f));
  V q = V::fma(u2, V::set(-1.45660718464996e-05f), V::set(-2.13374055278905e-04f));
  q = V::fma(u2, q, V::set(-1.68282697438203e-03f));
  q = V::fma(u2, q, V::set(-7.37332916720468e-03f));
  q = V::fma(u2, q, V::set(-1.42647390514189e-02f));
  const V erf = u * p * V::recip(q);
  return x * V::fma(erf, V::set(0.5f), V::set(0.5f));
}

template <class V>
[[gnu::always_inline]] inline V silu(V x) {
  return x / (V::set(1.0f) + exp_approx(V::set(0.0f) - x));
}

template <Activation A, class V>
[[gnu::always_inline]] inline V activate(V x) {
  if constexpr (A == Activation::relu) return V::max(x, V::set(0.0f));
  if constexpr (A == Activation::gelu) return gelu(x);
  if constexpr (A == Activation::silu) return silu(x);
  return x;
}

// Calls f.template operator()<A>() for the runtime activation, so kernels are instantiated per activation
// and the epilogue has no branch.
template <class F>
void with_activation(Activation a, F&& f) {
  switch (a) {
    case Activation::none: f.template operator()<Activation::none>(); break;
    case Activation::relu: f.template operator()<Activation::relu>(); break;
    case Activation::gelu: f.template operator()<Activation::gelu>(); break;
    case Activation::silu: f.template operator()<Activation::silu>(); break;
  }
}

}  // namespace
}  // namespace lsam
