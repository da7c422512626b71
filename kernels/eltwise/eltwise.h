// Elementwise f32 kernels: activations, sums and products. Every entry point allows y to alias an input
// exactly (in place); partial overlap is not allowed.
//
// The entry points split the elements statically over available_threads() and run the active ISA's variant on
// each chunk. The variants (_ref, _avx2, _avx512) are single-threaded and exposed for the tests.
#pragma once

#include <cstdint>

#include "kernels/eltwise/activation.h"

namespace lsam {

// y = act(x). GELU is torch's erf form, x / 2 * (1 + erf(x / sqrt 2)), with erf within 0.54 ulp; SiLU is
// x / (1 + e^-x) with a ~1 ulp exponential.
void activation_f32(Activation act, int64_t n, const float* x, float* y);

// y = a + b, y = a * b.
void add_f32(int64_t n, const float* a, const float* b, float* y);
void mul_f32(int64_t n, const float* a, const float* b, float* y);

// y = a * alpha + b.
void scale_add_f32(int64_t n, const float* a, float alpha, const float* b, float* y);

// y[r, :] = x[r, :] + v[:] for rows r of x[rows, cols] (row strides ldx, ldy): a bias over NHWC channels.
void add_rows_f32(int64_t rows, int64_t cols, const float* x, int64_t ldx, const float* v, float* y, int64_t ldy);

void activation_f32_ref(Activation act, int64_t n, const float* x, float* y);
void add_f32_ref(int64_t n, const float* a, const float* b, float* y);
void mul_f32_ref(int64_t n, const float* a, const float* b, float* y);
void scale_add_f32_ref(int64_t n, const float* a, float alpha, const float* b, float* y);
void add_rows_f32_ref(int64_t rows, int64_t cols, const float* x, int64_t ldx, const float* v, float* y, int64_t ldy);

void activation_f32_avx2(Activation act, int64_t n, const float* x, float* y);
void add_f32_avx2(int64_t n, const float* a, const float* b, float* y);
void mul_f32_avx2(int64_t n, const float* a, const float* b, float* y);
void scale_add_f32_avx2(int64_t n, const float* a, float alpha, const float* b, float* y);
void add_rows_f32_avx2(int64_t rows, int64_t cols, const float* x, int64_t ldx, const float* v, float* y, int64_t ldy);

void activation_f32_avx512(Activation act, int64_t n, const float* x, float* y);
void add_f32_avx512(int64_t n, const float* a, const float* b, float* y);
void mul_f32_avx512(int64_t n, const float* a, const float* b, float* y);
void scale_add_f32_avx512(int64_t n, const float* a, float alpha, const float* b, float* y);
void add_rows_f32_avx512(int64_t rows, int64_t cols, const float* x, int64_t ldx, const float* v, float* y,
                         int64_t ldy);

}  // namespace lsam
