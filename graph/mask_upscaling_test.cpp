// The streamed mask head against its ops run one after another on whole maps (up1, LayerNorm2d + GELU, up2 +
// GELU, then one GEMM of the masks against every pixel): bit-identical, at 1 and 3 masks, one thread and two.
#include "graph/mask_upscaling.h"

#include <doctest/doctest.h>

#include <string>

#include "graph/graph_test_util.h"
#include "kernels/gemm/gemm.h"
#include "weights/weight_store.h"

namespace lsam::graph {

TEST_CASE("mask upscaling: streamed rows give the whole-map ops' logits, bit for bit") {
  const WeightStore w = WeightStore::synthetic("mobile_sam", 13);
  test::ThreadCountGuard guard;
  const std::string up = "mask_decoder.output_upscaling.";
  const int64_t dim = 256;
  const ConvTranspose up1 = ConvTranspose::load(w, up + "0", dim, dim / 4);
  const LayerNorm norm = LayerNorm::load(w, up + "1", dim / 4, 1e-6f);
  const ConvTranspose up2 = ConvTranspose::load(w, up + "3", dim / 4, dim / 8, Activation::gelu);
  for (const int64_t grid : {1, 5, 16}) {
    const Tensor image = test::random_tensor({1, grid, grid, dim}, static_cast<uint64_t>(grid));
    for (const int64_t count : {1, 3}) {
      const Tensor hyper = test::random_tensor({count, dim / 8}, static_cast<uint64_t>(count));
      Tensor maps = up1(image);
      norm.apply_inplace(maps, Activation::gelu);
      maps = up2(maps);
      const int64_t pixels = 16 * grid * grid;
      Tensor want = Tensor::empty({count, 4 * grid, 4 * grid});
      gemm_f32(count, pixels, dim / 8, hyper.data<float>(), dim / 8, false, maps.data<float>(), dim / 8, true,
               want.data<float>(), pixels, {});
      for (int threads : {1, 2}) {
        set_num_threads(threads);
        Tensor got = Tensor::zeros({count, 4 * grid, 4 * grid});
        upscaled_mask_logits(up1, norm, up2, image, hyper.data<float>(), count, got.data<float>());
        INFO("grid ", grid, ", ", count, " masks, ", threads, " threads");
        CHECK(test::same_bits(got, want));
      }
    }
  }
  Tensor out = Tensor::empty({3, 16, 16});
  const Tensor hyper = Tensor::zeros({3, dim / 8});
  CHECK_THROWS_AS(upscaled_mask_logits(up1, norm, up2, Tensor::zeros({1, 4, 4, dim / 2}), hyper.data<float>(), 3,
                                       out.data<float>()),
                  std::invalid_argument);
  CHECK_THROWS_AS(upscaled_mask_logits(up1, norm, up2, Tensor::zeros({1, 4, 5, dim}), hyper.data<float>(), 3,
                                       out.data<float>()),
                  std::invalid_argument);
  CHECK_THROWS_AS(upscaled_mask_logits(up2, norm, up1, Tensor::zeros({1, 4, 4, dim}), hyper.data<float>(), 3,
                                       out.data<float>()),
                  std::invalid_argument);
}

}  // namespace lsam::graph
