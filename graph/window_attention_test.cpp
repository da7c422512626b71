// The window attention block: one window at a time against each op over the whole map (bit for bit on maps of
// whole windows; to float rounding where edge windows merge their padding keys), at one thread and at two, and
// both against a plain composition with the scalar attention reference, on maps that are whole windows, that
// leave a thin or wide padded edge, and at each MobileSAM stage's width.
#include "graph/window_attention.h"

#include <doctest/doctest.h>

#include <cmath>
#include <string>

#include "graph/graph_test_util.h"
#include "kernels/attention/attention.h"
#include "kernels/attention/window.h"
#include "weights/weight_store.h"

namespace lsam::graph {
namespace {

WindowAttention stage_attention(const WeightStore& w, int layer, int64_t C, int64_t heads, int64_t window) {
  const std::string blk = "image_encoder.layers." + std::to_string(layer) + ".blocks.0.attn.";
  WindowAttention a;
  a.norm = LayerNorm::load(w, blk + "norm", C, 1e-5f);
  a.qkv = Linear::load(w, blk + "qkv", C, 3 * C);
  a.proj = Linear::load(w, blk + "proj", C, C);
  a.qkv_pad = WindowAttention::make_qkv_pad(a.norm, a.qkv);
  a.bias = test::random_tensor({heads, window * window, window * window}, static_cast<uint64_t>(layer));
  a.heads = heads;
  a.window = window;
  return a;
}

// TinyViT's order of ops, with zero tokens padding the windows and the double-precision attention reference.
Tensor plain(const WindowAttention& a, const Tensor& x) {
  const int64_t R = x.dim(1), C = x.dim(3), ws = a.window, T = ws * ws, hd = C / a.heads;
  const int64_t windows = ((R + ws - 1) / ws) * ((R + ws - 1) / ws);
  Tensor tokens = Tensor::empty({windows, T, C});
  window_partition_f32(x.data<float>(), 1, R, R, C, ws, tokens.data<float>());
  const Tensor qkv = a.qkv(a.norm(tokens));
  Tensor mixed = Tensor::empty({windows, T, C});
  AttentionArgs g;
  g.batch = windows, g.heads = a.heads, g.q_len = g.kv_len = T, g.qk_dim = g.v_dim = hd;
  g.scale = 1.0f / std::sqrt(static_cast<float>(hd));
  g.q = qkv.data<float>(), g.k = g.q + hd, g.v = g.q + 2 * hd;
  g.q_batch_stride = g.k_batch_stride = g.v_batch_stride = T * 3 * C;
  g.q_head_stride = g.k_head_stride = g.v_head_stride = 3 * hd;
  g.q_row_stride = g.k_row_stride = g.v_row_stride = 3 * C;
  g.out = mixed.data<float>(), g.out_batch_stride = T * C, g.out_head_stride = hd, g.out_row_stride = C;
  g.bias = a.bias.data<float>(), g.bias_head_stride = T * T, g.bias_row_stride = T;
  attention_f32_ref(g);
  const Tensor out = a.proj(mixed, Activation::none, &tokens);
  Tensor y = Tensor::empty(x.shape());
  window_unpartition_f32(out.data<float>(), 1, R, R, C, ws, y.data<float>());
  return y;
}

}  // namespace

TEST_CASE("window attention: one window at a time gives the per-op result (bit for bit on whole windows) and TinyViT's") {
  const WeightStore w = WeightStore::synthetic("mobile_sam", 13);
  test::ThreadCountGuard guard;
  struct Case {
    int layer;
    int64_t C, heads, window, R;
  };
  // R = 14 and 28: whole windows. 16 and 22: padding over 15% of the windows (the per-op schedule's real-token
  // branch), thin (2 of 7) and wide (8 of 14) edges. 20: 9% padding (its zero-token branch).
  for (const Case& k : {Case{1, 128, 4, 7, 14}, Case{1, 128, 4, 7, 16}, Case{1, 128, 4, 7, 20},
                        Case{2, 160, 5, 14, 22}, Case{2, 160, 5, 14, 28}, Case{3, 320, 10, 7, 15}}) {
    const WindowAttention a = stage_attention(w, k.layer, k.C, k.heads, k.window);
    const Tensor x = test::random_tensor({1, k.R, k.R, k.C}, static_cast<uint64_t>(k.R));
    const Tensor want = plain(a, x);
    for (int threads : {1, 2}) {
      set_num_threads(threads);
      const Tensor per_op = a(x, WindowAttention::Schedule::per_op);
      const Tensor per_window = a(x, WindowAttention::Schedule::per_window);
      INFO("C ", k.C, ", window ", k.window, ", map ", k.R, ", ", threads, " threads");
      REQUIRE(per_window.shape() == x.shape());
      if (k.R % k.window == 0) CHECK(test::same_bits(per_window, per_op));
      // Float GEMMs over K <= 3C against a double attention: the outputs (scale ~3) agree to a few float ulps.
      // The merged padding key changes only the order and grouping of the softmax's float sums.
      CHECK(test::relative_error(per_window, want) < 2e-6);
      CHECK(test::relative_error(per_op, want) < 2e-6);
    }
  }
}

TEST_CASE("window attention: inputs and weights that do not fit are refused") {
  const WeightStore w = WeightStore::synthetic("mobile_sam", 13);
  WindowAttention a = stage_attention(w, 1, 128, 4, 7);
  CHECK_THROWS_AS(a(Tensor::zeros({1, 14, 14, 64})), std::invalid_argument);
  CHECK_THROWS_AS(a(Tensor::zeros({1, 14, 15, 128})), std::invalid_argument);
  CHECK_THROWS_AS(a(Tensor::zeros({2, 14, 14, 128})), std::invalid_argument);
  CHECK_THROWS_AS(a(Tensor::zeros({14, 14, 128})), std::invalid_argument);
  a.heads = 3;  // 128 channels do not split into 3 heads
  CHECK_THROWS_AS(a(Tensor::zeros({1, 14, 14, 128})), std::invalid_argument);
  a.heads = 4;
  a.window = 8;  // the bias table is for 7 x 7 windows
  CHECK_THROWS_AS(a(Tensor::zeros({1, 14, 14, 128})), std::invalid_argument);
}

}  // namespace lsam::graph
