// The folded cross-attentions of the SAM decoder against SAM's Attention as written, on random weights and
// inputs: per-prompt and shared image operands, batches, token counts, and the projected-image forms.
#include <doctest/doctest.h>

#include "graph/graph_test_util.h"
#include "graph/sam_attention.h"
#include "weights/weight_store.h"

namespace lsam::graph {

using test::random_tensor;
using test::relative_error;

TEST_CASE("SAM cross-attentions: the folded forms compute the attention as written") {
  const WeightStore w = WeightStore::synthetic("mobile_sam", 7);
  const std::string layer = "mask_decoder.transformer.layers.1.";
  const TokenToImageAttention t2i(w, layer + "cross_attn_token_to_image.", 256, 128, 8);
  const ImageToTokenAttention i2t(w, layer + "cross_attn_image_to_token.", 256, 128, 8);
  // The folded forms sum the same products in another order: float rounding over dim = 256 and HW terms,
  // ~1e-6 of the output scale; 1e-4 would still catch a dropped bias (synthetic biases are ~1e-2).
  constexpr double kTolerance = 1e-4;
  uint64_t seed = 1;
  for (int64_t B : {1, 3})
    for (int64_t Bx : {int64_t{1}, B})
      for (int64_t T : {2, 7, 13}) {
        CAPTURE(B);
        CAPTURE(Bx);
        CAPTURE(T);
        const int64_t HW = 93;
        const Tensor tokens = random_tensor({B, T, 256}, seed++), token_values = random_tensor({B, T, 256}, seed++);
        const Tensor image = random_tensor({Bx, HW, 256}, seed++), image_values = random_tensor({Bx, HW, 256}, seed++);
        const Tensor token_residual = random_tensor({B, T, 256}, seed++);
        const Tensor image_residual = random_tensor({Bx, HW, 256}, seed++);

        const Tensor t2i_expected = t2i.weights()(tokens, image, image_values, &token_residual);
        CHECK(relative_error(t2i(tokens, image, image_values, token_residual), t2i_expected) < kTolerance);
        const Tensor i2t_expected = i2t.weights()(image, tokens, token_values, &image_residual);
        CHECK(relative_error(i2t(tokens, token_values, image, image_residual), i2t_expected) < kTolerance);
        if (Bx == 1) {  // projections shared by the batch, as the predictor caches them
          const Tensor kp = t2i.weights().k(image), vp = t2i.weights().v(image_values);
          CHECK(relative_error(t2i.on_projected(tokens, kp, vp, token_residual), t2i_expected) < kTolerance);
          const Tensor qp = i2t.weights().q(image);
          CHECK(relative_error(i2t.on_projected(tokens, token_values, qp, image_residual), i2t_expected) <
                kTolerance);
        }
      }
}

}  // namespace lsam::graph
