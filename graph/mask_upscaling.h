// SAM's mask head for one prompt: logits[m] = hyper[m] . up2(GELU(LayerNorm2d(up1(image)))), the image tokens
// upscaled 4x by two 2x2 stride-2 transposed convs (the second with GELU fused) and projected onto each mask
// token's hypernetwork output.
#pragma once

#include <cstdint>

#include "engine/tensor.h"
#include "graph/ops.h"

namespace lsam::graph {

// image: NHWC [1, grid, grid, up1 in]; hyper: [count, up2 out]; logits: [count, 4 grid, 4 grid], written.
// Streams the image one row at a time per thread: each input row becomes 2 rows of up1, normalised in place,
// then 4 rows of up2 and their 4 rows of logits, about 200 KB at SAM's sizes, so the upscaled maps (4 and 8 MB
// a prompt) never go to memory. Bit-identical to the ops run one after another on whole maps.
void upscaled_mask_logits(const ConvTranspose& up1, const LayerNorm& norm, const ConvTranspose& up2,
                          const Tensor& image, const float* hyper, int64_t count, float* logits);

}  // namespace lsam::graph
