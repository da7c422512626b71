// Batched prompts against the same prompts one at a time, on a random MobileSAM: grouping by structure,
// chunking of large groups, and the per-shape decoder arenas must not change any result.
#include <doctest/doctest.h>

#include <cstdint>
#include <vector>

#include "graph/graph_test_util.h"
#include "graph/sam_predictor.h"
#include "weights/weight_store.h"

namespace lsam::graph {

TEST_CASE("SAM predictor: a batch of prompts gives each prompt's single result") {
  auto model = std::make_shared<const MobileSam>(WeightStore::synthetic("mobile_sam", 3));
  SamPredictor predictor(model);
  const int64_t h = 120, w = 160;
  std::vector<uint8_t> rgb(static_cast<size_t>(h * w * 3));
  for (size_t i = 0; i < rgb.size(); ++i) rgb[i] = static_cast<uint8_t>((i * 37) ^ (i >> 7));
  predictor.set_image(rgb.data(), h, w);

  // Six one-point prompts (a chunk and a remainder), two with a box, one multimask: three groups.
  std::vector<Prompt> prompts;
  for (int i = 0; i < 6; ++i) prompts.push_back({{{10.f + 20.f * static_cast<float>(i), 60.f}}, {i % 2}, {}, {}, false});
  for (int i = 0; i < 2; ++i)
    prompts.push_back({{{80.f, 30.f + 40.f * static_cast<float>(i)}}, {1}, std::array<float, 4>{20, 10, 140, 110}, {}, false});
  prompts.push_back({{{70.f, 70.f}}, {1}, {}, {}, true});

  const std::vector<Prediction> batched = predictor.predict_batch(prompts);
  REQUIRE(batched.size() == prompts.size());
  for (size_t i = 0; i < prompts.size(); ++i) {
    CAPTURE(i);
    const Prediction single = predictor.predict(prompts[i]);
    REQUIRE(batched[i].low_res_logits.shape() == single.low_res_logits.shape());
    // The same sums; only the shared GEMMs' widths differ.
    CHECK(test::relative_error(batched[i].low_res_logits, single.low_res_logits) <= 1e-5);
    CHECK(batched[i].masks.shape() == Shape{prompts[i].multimask ? 3 : 1, h, w});
    const Prediction no_masks = predictor.predict(prompts[i], false);
    CHECK(!no_masks.masks.defined());
    CHECK(no_masks.iou.shape() == single.iou.shape());
  }
}

}  // namespace lsam::graph
