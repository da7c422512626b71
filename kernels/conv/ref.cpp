// Scalar code: the double-precision references every test measures against, and the plain-loop kernels
// that the scalar ISA level runs in place of the SIMD ones (same argument structs, same packed layouts).
#include <cmath>
#include <cstdint>

#include "kernels/conv/conv.h"
#include "kernels/conv/conv_kernels.h"

namespace lsam {
namespace {

float activate(Activation a, float x) { return static_cast<float>(activation_f64(a, static_cast<double>(x))); }

// F(4x4, 3x3)'s transforms as plain matrices (conv.cpp holds G, for the weights).
constexpr float kWinogradBT[6][6] = {{4, 0, -5, 0, 1, 0},  {0, -4, -4, 1, 1, 0}, {0, 4, -4, -1, 1, 0},
                                     {0, -2, -1, 2, 1, 0}, {0, 2, -1, -2, 1, 0}, {0, 4, 0, -5, 0, 1}};
constexpr float kWinogradAT[4][6] = {
    {1, 1, 1, 1, 1, 0}, {0, 1, -1, 2, -2, 0}, {0, 1, 1, 4, 4, 0}, {0, 1, -1, 8, -8, 1}};

// sum_k coefficient[k] * value(k) over one row of a transform matrix, in k order.
template <class F>
float dot6(const float (&coefficient)[6], F value) {
  float sum = 0;
  for (int k = 0; k < 6; ++k) sum += coefficient[k] * value(k);
  return sum;
}

}  // namespace

void conv2d_f32_ref(const Conv2dParams& p, const float* in, int64_t batch, int64_t h, int64_t w, const float* weight,
                    const float* bias, Activation activation, const float* residual, float* out) {
  const int64_t oh = (h + 2 * p.pad_h - p.kernel_h) / p.stride_h + 1;
  const int64_t ow = (w + 2 * p.pad_w - p.kernel_w) / p.stride_w + 1;
  const int64_t cin_g = p.in_channels / p.groups, cout_g = p.out_channels / p.groups;
  for (int64_t n = 0; n < batch; ++n)
    for (int64_t y = 0; y < oh; ++y)
      for (int64_t x = 0; x < ow; ++x)
        for (int64_t co = 0; co < p.out_channels; ++co) {
          const int64_t g = co / cout_g;
          double sum = bias ? bias[co] : 0.0;
          for (int64_t ci = 0; ci < cin_g; ++ci)
            for (int64_t ky = 0; ky < p.kernel_h; ++ky)
              for (int64_t kx = 0; kx < p.kernel_w; ++kx) {
                const int64_t iy = y * p.stride_h - p.pad_h + ky, ix = x * p.stride_w - p.pad_w + kx;
                if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                const double v = in[((n * h + iy) * w + ix) * p.in_channels + g * cin_g + ci];
                sum += v * weight[((co * cin_g + ci) * p.kernel_h + ky) * p.kernel_w + kx];
              }
          const int64_t o = ((n * oh + y) * ow + x) * p.out_channels + co;
          double v = activation_f64(activation, sum);
          if (residual) v += residual[o];
          out[o] = static_cast<float>(v);
        }
}

void conv_transpose2x2_f32_ref(int64_t cin, int64_t cout, const float* in, int64_t batch, int64_t h, int64_t w,
                               const float* weight, const float* bias, Activation activation, float* out) {
  for (int64_t n = 0; n < batch; ++n)
    for (int64_t y = 0; y < 2 * h; ++y)
      for (int64_t x = 0; x < 2 * w; ++x)
        for (int64_t co = 0; co < cout; ++co) {
          // Kernel 2 = stride 2: output (y, x) sees exactly one input pixel, through tap (y % 2, x % 2).
          double sum = bias ? bias[co] : 0.0;
          for (int64_t ci = 0; ci < cin; ++ci)
            sum += static_cast<double>(in[((n * h + y / 2) * w + x / 2) * cin + ci]) *
                   weight[((ci * cout + co) * 2 + y % 2) * 2 + x % 2];
          out[((n * 2 * h + y) * 2 * w + x) * cout + co] = static_cast<float>(activation_f64(activation, sum));
        }
}

// The scalar igemm: a 4-pixel x 8-channel tile, so the driver's tiling, tails and indirection are tested at
// this level too.
void conv_igemm_f32_ref_4x8(const ConvIgemmArgs& a) {
  constexpr int64_t MR = 4, NR = 8;
  for (int64_t r = 0; r < a.rows; ++r) {
    const float* const* ind = a.indirection + (r / MR) * a.runs * MR + r % MR;
    for (int64_t co = 0; co < a.cout; ++co) {
      const float* wp = a.weights + (co / NR) * a.runs * a.run_length * NR + co % NR;
      float sum = a.bias[co];
      for (int64_t s = 0; s < a.runs; ++s) {
        const float* px = ind[s * MR] == a.zero ? a.zero : ind[s * MR] + a.a_offset;
        for (int64_t c = 0; c < a.run_length; ++c) sum += px[c] * wp[(s * a.run_length + c) * NR];
      }
      float y = activate(a.activation, sum);
      if (a.residual) y += a.residual[r * a.ldr + co];
      a.out[r * a.ldc + co] = y;
    }
  }
}

void depthwise3x3_row_f32_ref(const DepthwiseRowArgs& a) {
  const int64_t C = a.channels;
  for (int64_t ox = a.col_begin; ox < a.col_end; ++ox)
    for (int64_t c = 0; c < C; ++c) {
      float sum = a.bias[c];
      for (int64_t ky = 0; ky < 3; ++ky)
        for (int64_t kx = 0; kx < 3; ++kx) {
          const int64_t ix = ox * a.stride - 1 + kx;
          if (ix < 0 || ix >= a.in_w) continue;
          sum += a.in[ky][ix * C + c] * a.weights[(ky * 3 + kx) * a.ldw + c];
        }
      const int64_t o = (ox - a.col_begin) * C + c;
      float y = activate(a.activation, sum);
      if (a.residual) y += a.residual[o];
      a.out[o] = y;
    }
}

// B^T d B and A^T M A, channel by channel, as written: the yardstick of the factored SIMD transforms.
void winograd_input_f32_ref(const WinogradInputArgs& a) {
  for (int64_t c = 0; c < a.channels; ++c) {
    float t[6][6];  // B^T d
    for (int i = 0; i < 6; ++i)
      for (int j = 0; j < 6; ++j) t[i][j] = dot6(kWinogradBT[i], [&](int k) { return a.pixels[k * 6 + j][c]; });
    for (int i = 0; i < 6; ++i)
      for (int j = 0; j < 6; ++j)
        a.out[(i * 6 + j) * a.stride + c] = dot6(kWinogradBT[j], [&](int k) { return t[i][k]; });
  }
}

void winograd_output_f32_ref(const WinogradOutputArgs& a) {
  for (int64_t c = 0; c < a.channels; ++c) {
    float t[4][6];  // A^T M
    for (int i = 0; i < 4; ++i)
      for (int j = 0; j < 6; ++j)
        t[i][j] = dot6(kWinogradAT[i], [&](int k) { return a.in[(k * 6 + j) * a.stride + c]; });
    for (int i = 0; i < a.rows; ++i)
      for (int j = 0; j < a.cols; ++j) {
        const int64_t at = i * a.row_stride + j * a.channels + c;
        float y = activate(a.activation, dot6(kWinogradAT[j], [&](int k) { return t[i][k]; }) + a.bias[c]);
        if (a.residual) y += a.residual[at];
        a.out[at] = y;
      }
  }
}

}  // namespace lsam
