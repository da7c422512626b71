// Scalar references: the formulas torch documents, in double where it costs nothing.
#include <cmath>
#include <cstring>

#include "kernels/eltwise/eltwise.h"

namespace lsam {

double activation_f64(Activation a, double x) {
  switch (a) {
    case Activation::none: return x;
    case Activation::relu: return x < 0 ? 0 : x;
    case Activation::gelu: return 0.5 * x * (1.0 + std::erf(x * 0.70710678118654752440));
    case Activation::silu: return x / (1.0 + std::exp(-x));
  }
  return x;
}

float activation_ref(Activation a, float x) {
  const double v = x;
  switch (a) {
    case Activation::none: return x;
    case Activation::relu: return x < 0.f ? 0.f : x;  // keeps NaN, like torch.relu
    case Activation::gelu: return static_cast<float>(0.5 * v * (1.0 + std::erf(v * 0.70710678118654752440)));
    case Activation::silu: return static_cast<float>(v / (1.0 + std::exp(-v)));
  }
  return x;
}

void activation_f32_ref(Activation act, int64_t n, const float* x, float* y) {
  for (int64_t i = 0; i < n; ++i) y[i] = activation_ref(act, x[i]);
}

void add_f32_ref(int64_t n, const float* a, const float* b, float* y) {
  for (int64_t i = 0; i < n; ++i) y[i] = a[i] + b[i];
}

void mul_f32_ref(int64_t n, const float* a, const float* b, float* y) {
  for (int64_t i = 0; i < n; ++i) y[i] = a[i] * b[i];
}

void scale_add_f32_ref(int64_t n, const float* a, float alpha, const float* b, float* y) {
  for (int64_t i = 0; i < n; ++i) y[i] = std::fma(a[i], alpha, b[i]);  // one rounding, as the vector fma
}

void add_rows_f32_ref(int64_t rows, int64_t cols, const float* x, int64_t ldx, const float* v, float* y, int64_t ldy) {
  for (int64_t r = 0; r < rows; ++r) add_f32_ref(cols, x + r * ldx, v, y + r * ldy);
}

}  // namespace lsam
