// Normalisations of f32 data: LayerNorm and softmax over the last dimension of row-major [rows, dim], and softmax
// over the middle axis of [outer, n, inner].
//
// SAM's LayerNorm2d normalises NCHW activations over channels. On the engine's NHWC layout that is the same op
// as layernorm_f32 with rows = N * H * W and dim = C, so it has no kernel of its own.
//
// The entry points split the rows statically over available_threads(); each row is computed whole by one
// thread, so results do not depend on the thread count. The variants (_ref, _avx2, _avx512) are
// single-threaded and exposed for the tests.
#pragma once

#include <cstdint>

#include "kernels/eltwise/activation.h"

namespace lsam {

// What LayerNorm may do to its result y before storing it: an activation (SAM's LayerNorm2d -> GELU in the mask
// decoder's upscaler), and a second output sum = activation(y) + addend, rows of ldy like y (the decoder's image
// tokens and, for its next attention's keys, the same plus their positional encoding). Each saves a pass over
// the tensor.
struct LayerNormEpilogue {
  Activation activation = Activation::none;
  const float* addend = nullptr;  // with sum
  float* sum = nullptr;
};

// Per row: y = (x - mean) / sqrt(var + eps) * gamma + beta, with the mean and the biased variance computed in
// two passes (torch.nn.functional.layer_norm). gamma and beta are [dim]. y may alias x (ldy == ldx).
void layernorm_f32(int64_t rows, int64_t dim, const float* x, int64_t ldx, const float* gamma, const float* beta,
                   float eps, float* y, int64_t ldy, const LayerNormEpilogue& epilogue = {});

// Per row: y = exp(x - max) / sum(exp(x - max)) (torch.softmax(x, -1)). y may alias x (ldy == ldx).
void softmax_f32(int64_t rows, int64_t dim, const float* x, int64_t ldx, float* y, int64_t ldy);

// torch.softmax(x.view(outer, n, inner), 1) on contiguous x: each of the outer * inner columns normalised over
// its n entries, vectorised across `inner` (no horizontal reductions, no transposes). For attention scores
// stored with the normalised axis outside: SAM's image-to-token scores [pixels, tokens, heads] and the
// token-to-image scores [pixels, queries] normalised over the pixels. y may alias x.
void softmax_mid_f32(int64_t outer, int64_t n, int64_t inner, const float* x, float* y);

// Columns in a 64-byte cache line: softmax_mid's narrowest block of columns (norm_body.inc) and the grain of
// its split over threads (norm.cpp).
constexpr int64_t kSoftmaxMidLine = 16;

void layernorm_f32_ref(int64_t rows, int64_t dim, const float* x, int64_t ldx, const float* gamma, const float* beta,
                       float eps, float* y, int64_t ldy, const LayerNormEpilogue& epilogue);
void layernorm_f32_avx2(int64_t rows, int64_t dim, const float* x, int64_t ldx, const float* gamma, const float* beta,
                        float eps, float* y, int64_t ldy, const LayerNormEpilogue& epilogue);
void layernorm_f32_avx512(int64_t rows, int64_t dim, const float* x, int64_t ldx, const float* gamma, const float* beta,
                          float eps, float* y, int64_t ldy, const LayerNormEpilogue& epilogue);

void softmax_f32_ref(int64_t rows, int64_t dim, const float* x, int64_t ldx, float* y, int64_t ldy);
void softmax_f32_avx2(int64_t rows, int64_t dim, const float* x, int64_t ldx, float* y, int64_t ldy);
void softmax_f32_avx512(int64_t rows, int64_t dim, const float* x, int64_t ldx, float* y, int64_t ldy);

// Columns [i0, i1) of every outer slice.
void softmax_mid_f32_ref(int64_t outer, int64_t n, int64_t inner, int64_t i0, int64_t i1, const float* x, float* y);
void softmax_mid_f32_avx2(int64_t outer, int64_t n, int64_t inner, int64_t i0, int64_t i1, const float* x, float* y);
void softmax_mid_f32_avx512(int64_t outer, int64_t n, int64_t inner, int64_t i0, int64_t i1, const float* x,
                            float* y);

}  // namespace lsam
