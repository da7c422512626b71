#include "graph/sam_attention.h"

#include <algorithm>
#include <span>
#include <stdexcept>
#include <string>

#include "kernels/attention/attention.h"
#include "kernels/norm/norm.h"
#include "weights/weight_store.h"

namespace lsam::graph {
namespace {

// Which order the heads x T folded vectors of a prompt take.
enum class FoldOrder {
  head_major,   // row h * T + t
  token_major,  // row t * heads + h: a score row [pixel, t, h] normalises over t with the heads across lanes
};

size_t fold_row(FoldOrder order, int64_t h, int64_t t, int64_t heads, int64_t T) {
  return static_cast<size_t>(order == FoldOrder::head_major ? h * T + t : t * heads + h);
}

// y[b, fold_row(h, t), :] = sum_d x[b, t, h * hd + d] * w[h * hd + d, :]: each head's slice of the token vectors
// through that head's rows of w. x [B, T, inner], w [inner, n] -> [B, heads * T, n]. One GEMM per head, whose
// rows t land fold_row(0, 1) rows apart and whose heads start fold_row(1, 0) rows apart.
Tensor fold_heads(const Tensor& x, const Tensor& w, int64_t heads, FoldOrder order) {
  const int64_t B = x.dim(0), T = x.dim(1), inner = x.dim(2), hd = inner / heads, n = w.dim(1);
  const auto row_stride = static_cast<int64_t>(fold_row(order, 0, 1, heads, T)) * n;
  const auto head_stride = static_cast<int64_t>(fold_row(order, 1, 0, heads, T)) * n;
  Tensor y = Tensor::empty({B, heads * T, n});
  for (int64_t b = 0; b < B; ++b)
    gemm_f32_batched(heads, T, n, hd, x.data<float>() + b * T * inner, inner, hd, false, w.data<float>(), n, hd * n,
                     false, y.data<float>() + b * heads * T * n, row_stride, head_stride, {});
  return y;
}

// x [B, T, inner] -> [B, heads * T, inner] (token-major rows): each head's slice of x, times scale, in its own
// columns and zero elsewhere. What fold_heads gives for w = scale * I, without multiplying by the identity: the
// keys folded against image queries that are already projected.
Tensor spread_heads(const Tensor& x, int64_t heads, float scale) {
  const int64_t B = x.dim(0), T = x.dim(1), inner = x.dim(2), hd = inner / heads;
  Tensor y = Tensor::zeros({B, heads * T, inner});
  for (int64_t b = 0; b < B; ++b)
    for (int64_t h = 0; h < heads; ++h)
      for (int64_t t = 0; t < T; ++t) {
        const float* src = x.data<float>() + (b * T + t) * inner + h * hd;
        float* dst = y.data<float>() + (b * heads * T + fold_row(FoldOrder::token_major, h, t, heads, T)) * inner + h * hd;
        for (int64_t d = 0; d < hd; ++d) dst[d] = scale * src[d];
      }
  return y;
}

// A heap copy of a stored weight times scale (the store's pages are released after loading).
Tensor scaled_copy(const Tensor& w, float scale) {
  Tensor y = w.clone();
  for (float& x : std::span(y.data<float>(), static_cast<size_t>(y.numel()))) x *= scale;
  return y;
}

// The image operand of a batch of B is either per prompt [B, HW, C] or shared [1, HW, C].
void expect_image(const Tensor& x, int64_t B, int64_t C, const char* what) {
  if (x.rank() != 3 || (x.dim(0) != 1 && x.dim(0) != B) || x.dim(2) != C)
    throw std::invalid_argument(std::string(what) + ": expected [" + std::to_string(B) + " or 1, HW, " +
                                std::to_string(C) + "], got " + x.describe());
}

}  // namespace

SamAttention SamAttention::load(const WeightStore& w, const std::string& prefix, int64_t dim, int64_t inner,
                                int64_t heads) {
  return {Linear::load(w, prefix + "q_proj", dim, inner), Linear::load(w, prefix + "k_proj", dim, inner),
          Linear::load(w, prefix + "v_proj", dim, inner), Linear::load(w, prefix + "out_proj", inner, dim), heads};
}

Tensor SamAttention::operator()(const Tensor& queries, const Tensor& keys, const Tensor& values,
                                const Tensor* residual) const {
  return attend(q(queries), k(keys), v(values), std::max(queries.dim(0), keys.dim(0)), residual);
}

Tensor SamAttention::attend(const Tensor& qp, const Tensor& kp, const Tensor& vp, int64_t batch,
                            const Tensor* residual) const {
  const int64_t Lq = qp.dim(1), Lk = kp.dim(1), width = qp.dim(2), hd = width / heads;
  auto batch_stride = [&](const Tensor& t) { return t.dim(0) == 1 ? 0 : t.dim(1) * width; };  // 0: shared
  Tensor mixed = Tensor::empty({batch, Lq, width});
  AttentionArgs a;
  a.batch = batch;
  a.heads = heads;
  a.q_len = Lq;
  a.kv_len = Lk;
  a.qk_dim = a.v_dim = hd;
  a.scale = scale();
  a.q = qp.data<float>();
  a.k = kp.data<float>();
  a.v = vp.data<float>();
  a.q_batch_stride = batch_stride(qp);
  a.k_batch_stride = batch_stride(kp);
  a.v_batch_stride = batch_stride(vp);
  a.q_head_stride = a.k_head_stride = a.v_head_stride = a.out_head_stride = hd;
  a.q_row_stride = a.k_row_stride = a.v_row_stride = a.out_row_stride = width;
  a.out = mixed.data<float>();
  a.out_batch_stride = Lq * width;
  attention_f32(a);
  return out(mixed, Activation::none, residual);
}

TokenToImageAttention::TokenToImageAttention(const WeightStore& w, const std::string& prefix, int64_t dim,
                                             int64_t inner, int64_t heads)
    : w_(SamAttention::load(w, prefix, dim, inner, heads)) {
  k_fold_ = scaled_copy(w.get(prefix + "k_proj.weight", {inner, dim}), w_.scale());
  v_fold_ = w.get(prefix + "v_proj.weight", {inner, dim}).clone();
  // Wv's bias passes through the attention unchanged (each query's weights sum to 1), then through Wo.
  out_bias_ = fold_affine(w.get(prefix + "out_proj.weight", {dim, inner}), w.get(prefix + "out_proj.bias", {dim}),
                          w.get(prefix + "v_proj.bias", {inner}));
}

Tensor TokenToImageAttention::operator()(const Tensor& queries, const Tensor& image_k, const Tensor& image_v,
                                         const Tensor& residual) const {
  const int64_t B = queries.dim(0), T = queries.dim(1), dim = queries.dim(2);
  const int64_t heads = w_.heads, hd = w_.head_dim(), inner = w_.inner();
  expect_image(image_k, B, dim, "token-to-image keys");
  image_v.expect(image_k.shape(), DType::f32, "token-to-image values");
  const int64_t HW = image_k.dim(1), groups = image_k.dim(0), nq = B * heads * T / groups;

  // Folded queries, heads x T per prompt; a shared image serves the whole batch in one GEMM.
  const Tensor folded = fold_heads(w_.q(queries), k_fold_, heads, FoldOrder::head_major);  // [B, heads * T, dim]
  Tensor scores_t = Tensor::empty({HW, nq}), mixed_t = Tensor::empty({dim, nq});
  Tensor mixed = Tensor::empty({B, T, inner});
  for (int64_t g = 0; g < groups; ++g) {
    const float* k = image_k.data<float>() + g * HW * dim;
    const float* v = image_v.data<float>() + g * HW * dim;
    // scores^T [HW, nq] = image_k * folded^T: the image side is A, read in place.
    gemm_f32(HW, nq, dim, k, dim, false, folded.data<float>() + g * nq * dim, dim, true, scores_t.data<float>(), nq,
             {});
    softmax_mid_f32(1, HW, nq, scores_t.data<float>(), scores_t.data<float>());  // over the pixels
    // (probs * image_v)^T [dim, nq] = image_v^T * probs: the image side again as A, column-major. (The other
    // order, probs^T as a column-major A and the image values as B, packs 4 MB of B and ran 5-10% slower.)
    gemm_f32(dim, nq, HW, v, dim, true, scores_t.data<float>(), nq, false, mixed_t.data<float>(), nq, {});
    // Each head's mixed image vectors through its rows of Wv: mixed[b, t, h * hd + d].
    for (int64_t b = g * (B / groups); b < (g + 1) * (B / groups); ++b) {
      const int64_t q0 = (b - g * (B / groups)) * heads * T;
      gemm_f32_batched(heads, T, hd, dim, mixed_t.data<float>() + q0, nq, T, true, v_fold_.data<float>(), dim, hd * dim,
                       true, mixed.data<float>() + b * T * inner, inner, hd, {});
    }
  }
  residual.expect({B, T, dim}, DType::f32, "token-to-image residual");
  Tensor y = Tensor::empty({B, T, dim});
  GemmEpilogue ep;
  ep.bias = out_bias_.data<float>();
  ep.residual = residual.data<float>();
  ep.ldr = dim;
  gemm_f32(B * T, mixed.data<float>(), inner, w_.out.weight, y.data<float>(), dim, ep);
  return y;
}

Tensor TokenToImageAttention::on_projected(const Tensor& queries, const Tensor& kp, const Tensor& vp,
                                           const Tensor& residual) const {
  return w_.attend(w_.q(queries), kp, vp, queries.dim(0), &residual);
}

ImageToTokenAttention::ImageToTokenAttention(const WeightStore& w, const std::string& prefix, int64_t dim,
                                             int64_t inner, int64_t heads)
    : w_(SamAttention::load(w, prefix, dim, inner, heads)) {
  q_fold_ = scaled_copy(w.get(prefix + "q_proj.weight", {inner, dim}), w_.scale());
  q_bias_ = scaled_copy(w.get(prefix + "q_proj.bias", {inner}), w_.scale()).reshape({inner, 1});
  const Tensor& wo = w.get(prefix + "out_proj.weight", {dim, inner});
  out_fold_ = transpose_last2(wo).clone();
}

Tensor ImageToTokenAttention::operator()(const Tensor& keys, const Tensor& values, const Tensor& image,
                                         const Tensor& residual) const {
  expect_image(image, keys.dim(0), keys.dim(2), "image-to-token queries");
  return attend(keys, values, image, false, residual);
}

Tensor ImageToTokenAttention::on_projected(const Tensor& keys, const Tensor& values, const Tensor& image_q,
                                           const Tensor& residual) const {
  image_q.expect({1, image_q.dim(1), w_.inner()}, DType::f32, "projected image queries");
  return attend(keys, values, image_q, true, residual);
}

Tensor ImageToTokenAttention::attend(const Tensor& keys, const Tensor& values, const Tensor& image, bool projected,
                                     const Tensor& residual) const {
  const int64_t B = keys.dim(0), T = keys.dim(1), dim = keys.dim(2);
  const int64_t heads = w_.heads;
  const int64_t HW = image.dim(1), width = image.dim(2), groups = image.dim(0), nq = B * heads * T / groups;
  expect_image(residual, B, dim, "image-to-token residual");
  if (residual.dim(1) != HW) throw std::invalid_argument("image-to-token residual: " + residual.describe());

  // Keys folded against the queries' projection (spread over their heads' columns when the queries come
  // projected), the query bias's share of each score (the bias folded like a one-column weight), and the
  // values folded through each head's columns of Wo. Rows token-major, so that each pixel's scores are
  // [T, heads], normalised over T a vector of heads at a time.
  constexpr FoldOrder order = FoldOrder::token_major;
  const Tensor kp = w_.k(keys);
  const Tensor folded_k = projected ? spread_heads(kp, heads, w_.scale()) : fold_heads(kp, q_fold_, heads, order);
  const Tensor folded_v = fold_heads(w_.v(values), out_fold_, heads, order);  // [B, heads * T, dim]
  const Tensor score_bias = projected ? Tensor::zeros({B, heads * T, 1}) : fold_heads(kp, q_bias_, heads, order);

  Tensor scores = Tensor::empty({HW, nq}), y = Tensor::empty({B, HW, dim});
  for (int64_t g = 0; g < groups; ++g) {
    GemmEpilogue se;
    se.bias = score_bias.data<float>() + g * nq;
    gemm_f32(HW, nq, width, image.data<float>() + g * HW * width, width, false,
             folded_k.data<float>() + g * nq * width, width, true, scores.data<float>(), nq, se);
    softmax_mid_f32(HW * nq / (heads * T), T, heads, scores.data<float>(), scores.data<float>());
    for (int64_t b = g * (B / groups); b < (g + 1) * (B / groups); ++b) {
      GemmEpilogue oe;
      oe.bias = w_.out.bias.data<float>();
      oe.residual = residual.data<float>() + (residual.dim(0) == 1 ? 0 : b * HW * dim);
      oe.ldr = dim;
      const int64_t q0 = (b - g * (B / groups)) * heads * T;
      gemm_f32(HW, dim, heads * T, scores.data<float>() + q0, nq, false, folded_v.data<float>() + b * heads * T * dim,
               dim, false, y.data<float>() + b * HW * dim, dim, oe);
    }
  }
  return y;
}

}  // namespace lsam::graph
