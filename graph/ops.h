// Tensor-level building blocks for model graphs. Activations are row-major with channels last: tokens
// [..., C] and feature maps NHWC [B, H, W, C]. Each layer is built once from named weights when a model
// loads (packing, BN already folded by the converter) and then only executes.
#pragma once

#include <memory>
#include <string>

#include "engine/tensor.h"
#include "kernels/eltwise/activation.h"
#include "kernels/gemm/gemm.h"

namespace lsam {
class WeightStore;
class Conv2d;
class ConvTranspose2x2;
struct Conv2dParams;
}  // namespace lsam

namespace lsam::graph {

// nn.Linear: y = x W^T + b.
struct Linear {
  PackedB weight;
  Tensor bias;  // may be undefined
  int64_t in = 0, out = 0;

  // prefix.weight [out, in] and prefix.bias [out].
  static Linear load(const WeightStore& w, const std::string& prefix, int64_t in, int64_t out, bool has_bias = true);
  // act(x W^T + b) + residual, over the last dim of x; residual has the output's shape or repeats over
  // its leading dims (a [1, L, out] residual shared by a batch of [B, L, out]).
  Tensor operator()(const Tensor& x, Activation act = Activation::none, const Tensor* residual = nullptr) const;
};

// nn.LayerNorm over the last dim; SAM's LayerNorm2d is the same op on NHWC.
struct LayerNorm {
  Tensor weight, bias;
  float eps = 1e-5f;

  static LayerNorm load(const WeightStore& w, const std::string& prefix, int64_t dim, float eps);
  Tensor operator()(const Tensor& x) const;
  void apply_inplace(Tensor& x, Activation act = Activation::none) const;
  // x [B, L, dim] normalised in place, and returned plus addend [1 or B, L, dim] (one more output of the same
  // pass: SAM's image tokens and the keys they make with their positional encoding).
  Tensor apply_inplace_plus(Tensor& x, const Tensor& addend) const;
};

// nn.Conv2d on NHWC (with any BatchNorm folded in by the converter) and a fused activation.
struct Conv {
  std::shared_ptr<const Conv2d> op;

  // prefix.weight [out, in/groups, k, k] and, when has_bias, prefix.bias [out].
  static Conv load(const WeightStore& w, const std::string& prefix, int64_t in, int64_t out, int64_t kernel,
                   int64_t stride, int64_t pad, int64_t groups, Activation act, bool has_bias = true);
  Tensor operator()(const Tensor& x, const Tensor* residual = nullptr) const;
};

// nn.ConvTranspose2d(kernel 2, stride 2) on NHWC.
struct ConvTranspose {
  std::shared_ptr<const ConvTranspose2x2> op;

  // prefix.weight [in, out, 2, 2] and prefix.bias [out]; the activation is fused.
  static ConvTranspose load(const WeightStore& w, const std::string& prefix, int64_t in, int64_t out,
                            Activation act = Activation::none);
  Tensor operator()(const Tensor& x) const;
};

Tensor activation(const Tensor& x, Activation act);
void activation_inplace(Tensor& x, Activation act);
Tensor add(const Tensor& a, const Tensor& b);
void add_inplace(Tensor& a, const Tensor& b);

// bias + weight x for weight [out, in], bias [out], x [in], accumulated in double and rounded once: a constant
// folded at load (a bias carried through a projection, what a padding token becomes).
Tensor fold_affine(const Tensor& weight, const Tensor& bias, const Tensor& x);

// [..., R, C] -> [..., C, R], contiguous.
Tensor transpose_last2(const Tensor& x);

// The layout change at the model boundary (PyTorch goldens and users think NCHW).
Tensor nhwc_to_nchw(const Tensor& x);

}  // namespace lsam::graph
