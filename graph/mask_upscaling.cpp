#include "graph/mask_upscaling.h"

#include <stdexcept>
#include <string>

#include "engine/profiler.h"
#include "engine/threads.h"
#include "kernels/conv/conv.h"
#include "kernels/gemm/gemm.h"
#include "kernels/norm/norm.h"

namespace lsam::graph {

void upscaled_mask_logits(const ConvTranspose& up1, const LayerNorm& norm, const ConvTranspose& up2,
                          const Tensor& image, const float* hyper, int64_t count, float* logits) {
  const int64_t dim = up1.op->in_channels(), mid = up1.op->out_channels(), channels = up2.op->out_channels();
  if (image.dtype() != DType::f32 || image.rank() != 4 || image.dim(0) != 1 || image.dim(1) != image.dim(2) ||
      image.dim(3) != dim || norm.weight.numel() != mid || up2.op->in_channels() != mid || count < 1)
    throw std::invalid_argument("mask upscaling: image " + image.describe() + " and " + std::to_string(count) +
                                " masks do not fit convs " + std::to_string(dim) + " -> " + std::to_string(mid) +
                                " -> " + std::to_string(channels));
  const Tensor in = image.contiguous();
  const int64_t grid = in.dim(1), side = 4 * grid, pixels = side * side;
  const double px1 = 4.0 * grid * grid;
  LSAM_PROFILE("upscale", 2.0 * px1 * dim * mid + 8.0 * px1 * mid + 2.0 * 4 * px1 * mid * channels +
                              2.0 * pixels * channels * count,
               4.0 * (grid * grid * dim + count * pixels + dim * 4 * mid + mid * 4 * channels));
  parallel_for(grid, 1, [&](int64_t first, int64_t last) {
    const Tensor scratch = Tensor::empty({2 * 2 * grid * mid + 4 * side * channels});
    float* rows1 = scratch.data<float>();      // [2, 2 grid, mid]
    float* rows2 = rows1 + 2 * 2 * grid * mid;  // [4, side, channels]
    for (int64_t y = first; y < last; ++y) {
      up1.op->run(in.data<float>() + y * grid * dim, 1, 1, grid, rows1);
      layernorm_f32(2 * 2 * grid, mid, rows1, mid, norm.weight.data<float>(), norm.bias.data<float>(), norm.eps, rows1,
                    mid, {Activation::gelu});
      up2.op->run(rows1, 1, 2, 2 * grid, rows2);
      // The 4 rows of pixels are contiguous in every mask too: one GEMM, the few masks as its rows.
      gemm_f32(count, 4 * side, channels, hyper, channels, false, rows2, channels, true, logits + 4 * y * side, pixels,
               {});
    }
  });
}

}  // namespace lsam::graph
