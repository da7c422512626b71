// The Winograd F(4x4, 3x3) transforms (WinogradInputArgs, WinogradOutputArgs in conv_kernels.h), written once
// over a SIMD wrapper V with channels in the vector. Included by the ISA translation units after their wrapper,
// math.inc and activation.inc; everything here has internal linkage. ref.cpp holds the plain matrix products
// these factorings are tested against.
#pragma once

#include <cstdint>

#include "kernels/conv/conv_kernels.h"

namespace lsam {
namespace {

// r = B^T d for one column or row of six, B^T's shared terms factored out: 12 operations instead of 20.
template <class V>
[[gnu::always_inline]] inline void winograd_input_1d(const V (&d)[6], V (&r)[6]) {
  const V four = V::set1(4.f), minus_four = V::set1(-4.f), minus_five = V::set1(-5.f), two = V::set1(2.f);
  const V a = fma(minus_four, d[2], d[4]), b = fma(minus_four, d[1], d[3]);  // d4 - 4 d2, d3 - 4 d1
  const V c = d[4] - d[2], e = d[3] - d[1];
  r[0] = fma(four, d[0], fma(minus_five, d[2], d[4]));
  r[1] = a + b;
  r[2] = a - b;
  r[3] = fma(two, e, c);
  r[4] = fma(V::zero() - two, e, c);
  r[5] = fma(four, d[1], fma(minus_five, d[3], d[5]));
}

// o = A^T m for one column or row of six.
template <class V>
[[gnu::always_inline]] inline void winograd_output_1d(const V (&m)[6], V (&o)[4]) {
  const V s12 = m[1] + m[2], d12 = m[1] - m[2], s34 = m[3] + m[4], d34 = m[3] - m[4];
  o[0] = m[0] + s12 + s34;
  o[1] = fma(V::set1(2.f), d34, d12);
  o[2] = fma(V::set1(4.f), s34, s12);
  o[3] = fma(V::set1(8.f), d34, d12) + m[5];
}

// One vector of channels (its first n lanes when Tail): the columns of the tile first, into t, then its rows.
template <class V, bool Tail>
[[gnu::always_inline]] inline void winograd_input_vector(const WinogradInputArgs& a, int64_t c, int n) {
  const auto load = [&](const float* p) { return Tail ? V::load(p + c, n) : V::load(p + c); };
  V t[6][6];  // t[i][j] = (B^T d)[i][j]
  for (int j = 0; j < 6; ++j) {
    V d[6], r[6];
    for (int i = 0; i < 6; ++i) d[i] = load(a.pixels[i * 6 + j]);
    winograd_input_1d(d, r);
    for (int i = 0; i < 6; ++i) t[i][j] = r[i];
  }
  for (int i = 0; i < 6; ++i) {
    V r[6];
    winograd_input_1d(t[i], r);
    for (int j = 0; j < 6; ++j) {
      float* p = a.out + (i * 6 + j) * a.stride + c;
      if (Tail) {
        r[j].store(p, n);
      } else {
        r[j].store(p);
      }
    }
  }
}

template <class V>
void winograd_input(const WinogradInputArgs& a) {
  int64_t c = 0;
  for (; c + V::lanes <= a.channels; c += V::lanes) winograd_input_vector<V, false>(a, c, V::lanes);
  if (c < a.channels) winograd_input_vector<V, true>(a, c, static_cast<int>(a.channels - c));
}

template <class V, Activation A, bool Tail>
[[gnu::always_inline]] inline void winograd_output_vector(const WinogradOutputArgs& a, int64_t c, int n) {
  const auto load = [&](const float* p) { return Tail ? V::load(p, n) : V::load(p); };
  V t[4][6];  // t[i][j] = (A^T M)[i][j]
  for (int j = 0; j < 6; ++j) {
    V m[6], o[4];
    for (int i = 0; i < 6; ++i) m[i] = load(a.in + (i * 6 + j) * a.stride + c);
    winograd_output_1d(m, o);
    for (int i = 0; i < 4; ++i) t[i][j] = o[i];
  }
  const V bias = load(a.bias + c);
  for (int i = 0; i < a.rows; ++i) {
    V y[4];
    winograd_output_1d(t[i], y);
    for (int j = 0; j < a.cols; ++j) {
      V v = activate<A>(y[j] + bias);
      const int64_t at = i * a.row_stride + j * a.channels + c;
      if (a.residual) v = v + load(a.residual + at);
      if (Tail) {
        v.store(a.out + at, n);
      } else {
        v.store(a.out + at);
      }
    }
  }
}

template <class V>
void winograd_output(const WinogradOutputArgs& a) {
  with_activation(a.activation, [&]<Activation A>() {
    int64_t c = 0;
    for (; c + V::lanes <= a.channels; c += V::lanes) winograd_output_vector<V, A, false>(a, c, V::lanes);
    if (c < a.channels) winograd_output_vector<V, A, true>(a, c, static_cast<int>(a.channels - c));
  });
}

}  // namespace
}  // namespace lsam
