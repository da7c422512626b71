// 2-D convolution on NHWC activations, and the 2x2 stride-2 transposed convolution of SAM's mask decoder.
//
// Weights arrive in PyTorch's layout and are re-laid-out once, at construction, for the path chosen there
// (oneDNN's primitive-descriptor idea: decide once, execute many times):
//   1x1, stride 1, no padding, groups 1  -> one GEMM over [N*H*W, Cin] with the packed weight
//   depthwise 3x3 (groups == in == out), stride 1 or 2, padding 1 -> direct kernel, channels in vectors
//   3x3, stride 1, padding 1, groups 1, >= 16 channels in and out -> Winograd F(4x4, 3x3): 36 GEMMs on
//     transformed 6x6 tiles, 2.25 multiplies per output and input channel instead of 9 (ConvAlgorithm::fast)
//   everything else (KxK, strided 1x1, grouped) -> indirect GEMM: a pointer per output pixel and kernel row
//     (per tap with groups) into the NHWC input feeds a GEMM microkernel directly, so no im2col buffer is
//     written (except for the few pixels whose kernel row crosses the left or right border)
// Bias and activation are fused into each path's epilogue, as is an optional residual added afterwards.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "engine/cpu.h"
#include "kernels/eltwise/activation.h"
#include "kernels/gemm/gemm.h"

namespace lsam {

struct DepthwiseRowArgs;

// Whether a conv may trade the direct sum's rounding for fewer operations. Winograd F(4x4, 3x3)'s transforms
// scale values by up to 8 before cancelling, so its float error is about ten times a direct sum's: 4e-6 of
// the output's largest magnitude against 3e-7 at 256 input channels of Gaussian data. Parity with PyTorch at
// MobileSAM's tolerances holds either way; `direct` is for bit-level comparisons with other engines.
enum class ConvAlgorithm : uint8_t { fast, direct };

// nn.Conv2d's hyper-parameters (dilation 1 only).
struct Conv2dParams {
  int64_t in_channels, out_channels, kernel_h, kernel_w, stride_h, stride_w, pad_h, pad_w, groups = 1;
};

class Conv2d {
 public:
  // weight: PyTorch [out_c, in_c / groups, kh, kw]; bias: [out_c] or null. Both are copied.
  // Throws std::invalid_argument on inconsistent params or an ISA this CPU cannot run.
  Conv2d(const Conv2dParams& params, const float* weight, const float* bias, Activation activation,
         Isa isa = active_isa(), ConvAlgorithm algorithm = ConvAlgorithm::fast);

  // One output row of a depthwise 3x3 conv (throws std::logic_error on any other), for pipelines that stream
  // rows through buffers of their own: in[ky] is input row oy * stride - 1 + ky at column 0, in_w pixels wide,
  // or in_w * in_c zeros where that row is padding; writes output columns [col_begin, col_end) to out (column
  // col_begin first), adding residual (laid out like out) if not null. Runs on the calling thread, unprofiled.
  void run_depthwise_row(const float* const in[3], int64_t in_w, int64_t col_begin, int64_t col_end, float* out,
                         const float* residual = nullptr) const;

  int64_t out_h(int64_t h) const;
  int64_t out_w(int64_t w) const;
  const Conv2dParams& params() const;
  // The path chosen at construction: "gemm", "depthwise", "igemm" or "winograd".
  const char* path_name() const;

  // in: NHWC [batch, h, w, in_c]; out: NHWC [batch, out_h(h), out_w(w), out_c];
  // residual: null or like out, added after the activation (it may alias out).
  void run(const float* in, int64_t batch, int64_t h, int64_t w, float* out, const float* residual = nullptr) const;

 private:
  enum class Path : uint8_t { gemm, depthwise, igemm, winograd };
  void run_igemm(const float* in, int64_t batch, int64_t h, int64_t w, float* out, const float* residual) const;
  void run_depthwise(const float* in, int64_t batch, int64_t h, int64_t w, float* out, const float* residual) const;
  void run_winograd(const float* in, int64_t batch, int64_t h, int64_t w, float* out, const float* residual) const;
  DepthwiseRowArgs depthwise_row_args(int64_t in_w) const;

  Conv2dParams p_;
  Activation activation_;
  Isa isa_;
  Path path_;
  PackedB gemm_weight_;            // Path::gemm
  std::vector<PackedB> winograd_weight_;  // Path::winograd: G g G^T, one [in_c, out_c] matrix per point
  std::shared_ptr<float> bias_;    // Path::gemm: [out_c] or null; others: zero-padded per group, never null
  std::shared_ptr<float> weight_;  // Path::depthwise / igemm, in their kernel's layout (conv_kernels.h)
  std::shared_ptr<float> zero_;    // Path::igemm and winograd: what padding taps and pixels read
  int mr_ = 0, nr_ = 0;  // Path::igemm tile
};

// nn.ConvTranspose2d(in_c, out_c, kernel 2, stride 2): every input pixel owns a disjoint 2x2 output block,
// so the op is one GEMM [N*H*W, in_c] x [in_c, 4 * out_c] whose columns, ordered (dy, dx, c), land as two
// contiguous runs of 2 * out_c floats in output rows 2h and 2h + 1.
class ConvTranspose2x2 {
 public:
  // weight: PyTorch [in_c, out_c, 2, 2]; bias: [out_c] or null. Both are copied.
  ConvTranspose2x2(int64_t in_channels, int64_t out_channels, const float* weight, const float* bias,
                   Activation activation = Activation::none, Isa isa = active_isa());

  int64_t in_channels() const;
  int64_t out_channels() const;

  // in: NHWC [batch, h, w, in_c]; out: NHWC [batch, 2h, 2w, out_c].
  void run(const float* in, int64_t batch, int64_t h, int64_t w, float* out) const;

 private:
  int64_t in_c_, out_c_;
  Activation activation_;
  PackedB half_[2];              // columns (dx, c) of output row 2h + dy
  std::shared_ptr<float> bias_;  // [2 * out_c]: the bias repeated for dx = 0, 1; null without bias
};

// Folds eval-mode BatchNorm (y = (x - mean) / sqrt(var + eps) * gamma + beta) into the conv before it:
//   w' = w * gamma / sqrt(var + eps),  b' = (b - mean) * gamma / sqrt(var + eps) + beta
// computed in double and rounded once to float. weight: [out_c, per_channel] in place; bias_in: [out_c] or
// null (a conv without bias); bias_out: [out_c], always written, may alias bias_in.
void fold_batchnorm(int64_t out_channels, int64_t per_channel, float* weight, const float* bias_in, float* bias_out,
                    const float* gamma, const float* beta, const float* running_mean, const float* running_var,
                    double eps);

// References: plain loops with double accumulation, the yardstick of the tests. Layouts as above; weight in
// PyTorch's layout; bias and residual may be null.
void conv2d_f32_ref(const Conv2dParams& params, const float* in, int64_t batch, int64_t h, int64_t w,
                    const float* weight, const float* bias, Activation activation, const float* residual, float* out);
void conv_transpose2x2_f32_ref(int64_t in_channels, int64_t out_channels, const float* in, int64_t batch, int64_t h,
                               int64_t w, const float* weight, const float* bias, Activation activation, float* out);

}  // namespace lsam
