// The row-blocked MLP against its three ops run one after another: bit-identical, at row counts that leave a
// short last block, at one thread and at two.
#include "graph/residual_mlp.h"

#include <doctest/doctest.h>

#include "graph/graph_test_util.h"
#include "weights/weight_store.h"

namespace lsam::graph {

TEST_CASE("residual MLP: row blocks give the unfused ops' output, bit for bit") {
  const WeightStore w = WeightStore::synthetic("mobile_sam", 13);
  test::ThreadCountGuard guard;
  // MobileSAM's stage 1 (128 -> 512) and stage 3 (320 -> 1280) MLPs.
  for (const auto& [layer, C] : {std::pair<int, int64_t>{1, 128}, {3, 320}}) {
    const std::string blk = "image_encoder.layers." + std::to_string(layer) + ".blocks.0.mlp.";
    const LayerNorm norm = LayerNorm::load(w, blk + "norm", C, 1e-5f);
    const Linear fc1 = Linear::load(w, blk + "fc1", C, 4 * C), fc2 = Linear::load(w, blk + "fc2", 4 * C, C);
    for (const int64_t rows : {1, 7, 300}) {
      const Tensor x = test::random_tensor({1, rows, C}, static_cast<uint64_t>(rows));
      const Tensor want = fc2(fc1(norm(x), Activation::gelu), Activation::none, &x);
      for (int threads : {1, 2}) {
        set_num_threads(threads);
        const Tensor got = residual_mlp(norm, fc1, Activation::gelu, fc2, x);
        INFO("C ", C, ", ", rows, " rows, ", threads, " threads");
        REQUIRE(got.shape() == want.shape());
        CHECK(test::same_bits(got, want));
      }
    }
    CHECK_THROWS_AS(residual_mlp(norm, fc2, Activation::gelu, fc1, Tensor::zeros({2, C})), std::invalid_argument);
    CHECK_THROWS_AS(residual_mlp(norm, fc1, Activation::gelu, fc2, Tensor::zeros({2, C + 1})), std::invalid_argument);
  }
}

}  // namespace lsam::graph
