#include "graph/ops.h"

#include <algorithm>
#include <stdexcept>

#include "engine/profiler.h"
#include "kernels/conv/conv.h"
#include "kernels/eltwise/eltwise.h"
#include "kernels/norm/norm.h"
#include "weights/weight_store.h"

namespace lsam::graph {
namespace {

Shape with_last(Shape s, int64_t last) {
  s[-1] = last;
  return s;
}

void expect_last(const Tensor& x, int64_t n, const char* what) {
  if (x.rank() < 1 || x.dim(-1) != n)
    throw std::invalid_argument(std::string(what) + ": expected last dim " + std::to_string(n) + ", got " + x.describe());
}

}  // namespace

Linear Linear::load(const WeightStore& w, const std::string& prefix, int64_t in, int64_t out, bool has_bias) {
  Linear l;
  l.in = in;
  l.out = out;
  const Tensor& weight = w.get(prefix + ".weight", {out, in});
  l.weight = PackedB::pack(weight.data<float>(), in, out, in, /*transposed=*/true);
  if (has_bias) l.bias = w.get(prefix + ".bias", {out});
  return l;
}

Tensor Linear::operator()(const Tensor& x, Activation act, const Tensor* residual) const {
  expect_last(x, in, "linear input");
  const Tensor xc = x.contiguous();
  Tensor y = Tensor::empty(with_last(x.shape(), out));
  GemmEpilogue ep;
  ep.bias = bias.defined() ? bias.data<float>() : nullptr;
  ep.activation = act;
  const int64_t rows = xc.numel() / in;
  int64_t block = rows;  // rows per GEMM: all, or one repetition of a shared residual
  Tensor r;
  if (residual) {
    r = residual->contiguous();
    if (r.dim(-1) != out || r.numel() == 0 || y.numel() % r.numel() != 0)
      throw std::invalid_argument("linear residual " + r.describe() + " does not fit output " + y.describe());
    block = r.numel() / out;
    ep.residual = r.data<float>();
    ep.ldr = out;
  }
  for (int64_t row = 0; row < rows; row += block)
    gemm_f32(block, xc.data<float>() + row * in, in, weight, y.data<float>() + row * out, out, ep);
  return y;
}

LayerNorm LayerNorm::load(const WeightStore& w, const std::string& prefix, int64_t dim, float eps) {
  return {w.get(prefix + ".weight", {dim}), w.get(prefix + ".bias", {dim}), eps};
}

Tensor LayerNorm::operator()(const Tensor& x) const {
  const int64_t dim = weight.numel();
  expect_last(x, dim, "layer norm input");
  const Tensor xc = x.contiguous();
  Tensor y = Tensor::empty(x.shape());
  layernorm_f32(xc.numel() / dim, dim, xc.data<float>(), dim, weight.data<float>(), bias.data<float>(), eps,
                y.data<float>(), dim);
  return y;
}

void LayerNorm::apply_inplace(Tensor& x, Activation act) const {
  const int64_t dim = weight.numel();
  expect_last(x, dim, "layer norm input");
  if (!x.is_contiguous()) x = x.contiguous();
  layernorm_f32(x.numel() / dim, dim, x.data<float>(), dim, weight.data<float>(), bias.data<float>(), eps,
                x.data<float>(), dim, {act});
}

Tensor LayerNorm::apply_inplace_plus(Tensor& x, const Tensor& addend) const {
  const int64_t dim = weight.numel();
  x.expect({x.dim(0), x.dim(1), dim}, DType::f32, "layer norm input");
  if (addend.rank() != 3 || (addend.dim(0) != 1 && addend.dim(0) != x.dim(0)) || addend.dim(1) != x.dim(1) ||
      addend.dim(2) != dim || !addend.is_contiguous())
    throw std::invalid_argument("layer norm addend: " + addend.describe() + " for input " + x.describe());
  if (!x.is_contiguous()) x = x.contiguous();
  Tensor sum = Tensor::empty(x.shape());
  const int64_t rows = x.dim(1), batch_stride = rows * dim;
  for (int64_t b = 0; b < x.dim(0); ++b) {
    float* xb = x.data<float>() + b * batch_stride;
    LayerNormEpilogue ep;
    ep.addend = addend.data<float>() + (addend.dim(0) == 1 ? 0 : b * batch_stride);
    ep.sum = sum.data<float>() + b * batch_stride;
    layernorm_f32(rows, dim, xb, dim, weight.data<float>(), bias.data<float>(), eps, xb, dim, ep);
  }
  return sum;
}

Conv Conv::load(const WeightStore& w, const std::string& prefix, int64_t in, int64_t out, int64_t kernel,
                int64_t stride, int64_t pad, int64_t groups, Activation act, bool has_bias) {
  const Tensor& weight = w.get(prefix + ".weight", {out, in / groups, kernel, kernel});
  const float* bias = has_bias ? w.get(prefix + ".bias", {out}).data<float>() : nullptr;
  const Conv2dParams p{in, out, kernel, kernel, stride, stride, pad, pad, groups};
  return {std::make_shared<const Conv2d>(p, weight.data<float>(), bias, act)};
}

Tensor Conv::operator()(const Tensor& x, const Tensor* residual) const {
  const Conv2dParams& p = op->params();
  if (x.rank() != 4 || x.dim(3) != p.in_channels)
    throw std::invalid_argument("conv input: expected NHWC with " + std::to_string(p.in_channels) + " channels, got " +
                                x.describe());
  const Tensor xc = x.contiguous();
  const int64_t n = x.dim(0), h = x.dim(1), w = x.dim(2);
  Tensor y = Tensor::empty({n, op->out_h(h), op->out_w(w), p.out_channels});
  if (residual) residual->expect(y.shape(), DType::f32, "conv residual");
  op->run(xc.data<float>(), n, h, w, y.data<float>(), residual ? residual->contiguous().data<float>() : nullptr);
  return y;
}

ConvTranspose ConvTranspose::load(const WeightStore& w, const std::string& prefix, int64_t in, int64_t out,
                                  Activation act) {
  const Tensor& weight = w.get(prefix + ".weight", {in, out, 2, 2});
  const Tensor& bias = w.get(prefix + ".bias", {out});
  return {std::make_shared<const ConvTranspose2x2>(in, out, weight.data<float>(), bias.data<float>(), act)};
}

Tensor ConvTranspose::operator()(const Tensor& x) const {
  if (x.rank() != 4 || x.dim(3) != op->in_channels())
    throw std::invalid_argument("transposed conv input: expected NHWC with " + std::to_string(op->in_channels()) +
                                " channels, got " + x.describe());
  const Tensor xc = x.contiguous();
  Tensor y = Tensor::empty({x.dim(0), 2 * x.dim(1), 2 * x.dim(2), op->out_channels()});
  op->run(xc.data<float>(), x.dim(0), x.dim(1), x.dim(2), y.data<float>());
  return y;
}

Tensor activation(const Tensor& x, Activation act) {
  const Tensor xc = x.contiguous();
  Tensor y = Tensor::empty(x.shape());
  activation_f32(act, xc.numel(), xc.data<float>(), y.data<float>());
  return y;
}

void activation_inplace(Tensor& x, Activation act) {
  if (!x.is_contiguous()) x = x.contiguous();
  activation_f32(act, x.numel(), x.data<float>(), x.data<float>());
}

// b broadcasts over a's leading dims: a [..., S], b [S] or [1, S] with S a trailing block of a.
static void check_broadcast(const Tensor& a, const Tensor& b) {
  if (b.numel() == 0 || a.numel() % b.numel() != 0)
    throw std::invalid_argument("add: cannot broadcast " + b.describe() + " onto " + a.describe());
}

Tensor add(const Tensor& a, const Tensor& b) {
  check_broadcast(a, b);
  const Tensor ac = a.contiguous(), bc = b.contiguous();
  Tensor y = Tensor::empty(a.shape());
  const int64_t block = bc.numel();
  add_rows_f32(ac.numel() / block, block, ac.data<float>(), block, bc.data<float>(), y.data<float>(), block);
  return y;
}

void add_inplace(Tensor& a, const Tensor& b) {
  check_broadcast(a, b);
  if (!a.is_contiguous()) a = a.contiguous();
  const Tensor bc = b.contiguous();
  const int64_t block = bc.numel();
  add_rows_f32(a.numel() / block, block, a.data<float>(), block, bc.data<float>(), a.data<float>(), block);
}

Tensor fold_affine(const Tensor& weight, const Tensor& bias, const Tensor& x) {
  const int64_t out = weight.dim(0), in = weight.dim(1);
  bias.expect({out}, DType::f32, "folded bias");
  x.expect({in}, DType::f32, "folded vector");
  Tensor y = Tensor::empty({out});
  for (int64_t o = 0; o < out; ++o) {
    double s = bias.data<float>()[o];
    for (int64_t i = 0; i < in; ++i)
      s += static_cast<double>(weight.data<float>()[o * in + i]) * static_cast<double>(x.data<float>()[i]);
    y.data<float>()[o] = static_cast<float>(s);
  }
  return y;
}

Tensor transpose_last2(const Tensor& x) {
  if (x.rank() < 2) throw std::invalid_argument("transpose_last2: " + x.describe());
  const Tensor xc = x.contiguous();
  Shape shape = x.shape();
  const int64_t R = shape[-2], C = shape[-1], n = R * C == 0 ? 0 : xc.numel() / (R * C);
  std::swap(shape[-2], shape[-1]);
  Tensor y = Tensor::empty(shape);
  LSAM_PROFILE("copy", 0, 2.0 * static_cast<double>(y.nbytes()));
  constexpr int64_t kB = 8;  // 8 x 8 blocks: both sides move whole cache lines
  for (int64_t m = 0; m < n; ++m) {
    const float* src = xc.data<float>() + m * R * C;
    float* dst = y.data<float>() + m * R * C;
    for (int64_t i0 = 0; i0 < R; i0 += kB)
      for (int64_t j0 = 0; j0 < C; j0 += kB)
        for (int64_t j = j0; j < std::min(j0 + kB, C); ++j)
          for (int64_t i = i0; i < std::min(i0 + kB, R); ++i) dst[j * R + i] = src[i * C + j];
  }
  return y;
}

Tensor nhwc_to_nchw(const Tensor& x) {
  if (x.rank() != 4) throw std::invalid_argument("nhwc_to_nchw: expected NHWC, got " + x.describe());
  const int64_t n = x.dim(0), h = x.dim(1), w = x.dim(2), c = x.dim(3);
  return transpose_last2(x.contiguous().reshape({n, h * w, c})).reshape({n, c, h, w});
}

}  // namespace lsam::graph
