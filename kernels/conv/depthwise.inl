// The direct depthwise 3x3 kernel (DepthwiseRowArgs in conv_kernels.h), written once over a SIMD wrapper V.
// Included by the ISA translation units after their kernels/simd/ wrapper, math.inc and activation.inc;
// everything here has internal linkage.
//
// Channels are the vector dimension. The kernel walks each output row a few pixels at a time and, for those
// pixels, sweeps all channels: the input is then read in whole, consecutive cache lines (a channel-outer
// sweep would touch half a line every C floats and re-fetch the other half later), and the three input rows
// of a pixel group stay in L1. The nine weights of a channel vector are re-read from L1 for each pixel group.
#pragma once

#include <cstdint>

#include "kernels/conv/conv_kernels.h"

namespace lsam {
namespace {

// Output pixels computed together: independent FMA chains hide the FMA latency, and each weight and input
// vector is loaded once for all of them. With two partial sums per pixel, (N - 1) * S + 3 input columns and
// a weight, stride 1 takes 15 of AVX2's 16 registers at N = 4, stride 2 takes 14 at N = 3.
template <int S>
constexpr int kDepthwisePixels = S == 1 ? 4 : 3;

// A pixel group's pointers at the current channel, advanced one vector at a time by the channel loop. Kept
// as plain locals so that the compiler holds them in registers across the stores.
struct DepthwiseCursor {
  const float* in[3];  // input column ox * S (the first pixel's centre tap) of each row
  const float* w;      // tap 0's weights
  const float* bias;
  float* out;             // output pixel ox
  const float* residual;  // or null
};

// N consecutive output pixels, one vector of channels (its first n lanes when Tail). Left / Right: whether
// the input columns left of the first pixel and right of the last exist; false only at the image border,
// where those taps read padding and are skipped. Each input vector is loaded once and used by every tap
// that needs it: kCols columns per row for N pixels.
template <class V, Activation A, int S, int N, bool Left, bool Right, bool Tail>
[[gnu::always_inline]] inline void depthwise_vector(const DepthwiseCursor& p, int64_t C, int64_t ldw, int64_t n) {
  constexpr int kCols = (N - 1) * S + 3;  // input columns ox * S - 1 + j
  const auto load = [n](const float* q) { return Tail ? V::load(q, n) : V::load(q); };
  // Two partial sums per pixel (the middle kernel row apart) halve the dependent FMA chain.
  V acc[N], mid[N];
  const V bias = V::load(p.bias);
  for (int i = 0; i < N; ++i) {
    acc[i] = bias;
    mid[i] = V::zero();
  }
  for (int ky = 0; ky < 3; ++ky) {
    V x[kCols];
    for (int j = 0; j < kCols; ++j)
      if ((j > 0 || Left) && (j < kCols - 1 || Right)) x[j] = load(p.in[ky] + (j - 1) * C);
    for (int kx = 0; kx < 3; ++kx) {
      if ((kx == 0 && !Left) || (kx == 2 && !Right)) continue;
      const V w = V::load(p.w + (ky * 3 + kx) * ldw);
      for (int i = 0; i < N; ++i) {
        V& sum = ky == 1 ? mid[i] : acc[i];
        sum = fma(x[i * S + kx], w, sum);
      }
    }
  }
  for (int i = 0; i < N; ++i) acc[i] = acc[i] + mid[i];
  for (int i = 0; i < N; ++i) acc[i] = activate<A>(acc[i]);  // N independent chains, interleaved
  for (int i = 0; i < N; ++i) {
    V y = acc[i];
    if (p.residual) y = y + load(p.residual + i * C);
    if (Tail) {
      y.store(p.out + i * C, n);
    } else {
      y.store(p.out + i * C);
    }
  }
}

template <class V, Activation A, int S, int N, bool Left, bool Right>
void depthwise_pixels(const DepthwiseRowArgs& a, int64_t ox) {
  const int64_t C = a.channels, at = (ox - a.col_begin) * C;
  DepthwiseCursor p{{a.in[0] + ox * S * C, a.in[1] + ox * S * C, a.in[2] + ox * S * C},
                    a.weights,
                    a.bias,
                    a.out + at,
                    a.residual ? a.residual + at : nullptr};
  const auto advance = [&p] {
    for (const float*& q : p.in) q += V::lanes;
    p.w += V::lanes;
    p.bias += V::lanes;
    p.out += V::lanes;
    if (p.residual) p.residual += V::lanes;
  };
  int64_t c = 0;
  for (; c + V::lanes <= C; c += V::lanes, advance())
    depthwise_vector<V, A, S, N, Left, Right, false>(p, C, a.ldw, V::lanes);
  if (c < C) depthwise_vector<V, A, S, N, Left, Right, true>(p, C, a.ldw, C - c);
}

template <class V, Activation A, int S>
void depthwise_row(const DepthwiseRowArgs& a) {
  // Interior pixels have all three input columns: ox >= 1 and ox * S + 1 <= in_w - 1.
  const int64_t interior_end = a.in_w >= 2 ? (a.in_w - 2) / S + 1 : 0;
  const int64_t end = interior_end < a.col_end ? interior_end : a.col_end;
  int64_t ox = a.col_begin;
  if (ox == 0 && ox < a.col_end) {
    if (a.in_w >= 2) {
      depthwise_pixels<V, A, S, 1, false, true>(a, 0);
    } else {
      depthwise_pixels<V, A, S, 1, false, false>(a, 0);
    }
    ox = 1;
  }
  for (; ox + kDepthwisePixels<S> <= end; ox += kDepthwisePixels<S>)
    depthwise_pixels<V, A, S, kDepthwisePixels<S>, true, true>(a, ox);
  for (; ox < end; ++ox) depthwise_pixels<V, A, S, 1, true, true>(a, ox);
  for (; ox < a.col_end; ++ox) depthwise_pixels<V, A, S, 1, true, false>(a, ox);
}

template <class V>
void depthwise3x3_row(const DepthwiseRowArgs& a) {
  with_activation(a.activation, [&]<Activation A>() {
    if (a.stride == 1) {
      depthwise_row<V, A, 1>(a);
    } else {
      depthwise_row<V, A, 2>(a);
    }
  });
}

}  // namespace
}  // namespace lsam
