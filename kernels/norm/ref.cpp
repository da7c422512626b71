// Scalar references in double: the yardstick the float variants are measured against.
#include <cmath>

#include "kernels/norm/norm.h"

namespace lsam {

void layernorm_f32_ref(int64_t rows, int64_t dim, const float* x, int64_t ldx, const float* gamma, const float* beta,
                       float eps, float* y, int64_t ldy, const LayerNormEpilogue& ep) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * ldx;
    double mean = 0, var = 0;
    for (int64_t i = 0; i < dim; ++i) mean += xr[i];
    mean /= static_cast<double>(dim);
    for (int64_t i = 0; i < dim; ++i) var += (xr[i] - mean) * (xr[i] - mean);
    var /= static_cast<double>(dim);
    const double rstd = 1.0 / std::sqrt(var + eps);
    for (int64_t i = 0; i < dim; ++i) {
      const double v = activation_f64(ep.activation, (xr[i] - mean) * rstd * gamma[i] + beta[i]);
      y[r * ldy + i] = static_cast<float>(v);
      if (ep.sum) ep.sum[r * ldy + i] = static_cast<float>(v + ep.addend[r * ldy + i]);
    }
  }
}

void softmax_f32_ref(int64_t rows, int64_t dim, const float* x, int64_t ldx, float* y, int64_t ldy) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * ldx;
    float* yr = y + r * ldy;
    double m = -INFINITY, sum = 0;
    for (int64_t i = 0; i < dim; ++i) m = std::fmax(m, xr[i]);
    for (int64_t i = 0; i < dim; ++i) sum += std::exp(xr[i] - m);
    for (int64_t i = 0; i < dim; ++i) yr[i] = static_cast<float>(std::exp(xr[i] - m) / sum);
  }
}

void softmax_mid_f32_ref(int64_t outer, int64_t n, int64_t inner, int64_t i0, int64_t i1, const float* x, float* y) {
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = i0; i < i1; ++i) {
      const float* xc = x + o * n * inner + i;
      float* yc = y + o * n * inner + i;
      double m = -INFINITY, sum = 0;
      for (int64_t j = 0; j < n; ++j) m = std::fmax(m, xc[j * inner]);
      for (int64_t j = 0; j < n; ++j) sum += std::exp(xc[j * inner] - m);
      for (int64_t j = 0; j < n; ++j) yc[j * inner] = static_cast<float>(std::exp(xc[j * inner] - m) / sum);
    }
}

}  // namespace lsam
