// Window partition for windowed attention (SAM ViT, TinyViT), on NHWC activations.
#pragma once

#include <cstdint>

namespace lsam {

// in [B, H, W, C] -> out [B * nh * nw, window * window, C] with nh = ceil(H / window), nw = ceil(W / window):
// windows in (b, window row, window column) order, tokens row-major inside a window, zero padding at the
// bottom and right when H or W is not a multiple of the window (SAM's window_partition, TinyViT's view +
// transpose after F.pad). With `fill` [C], padding tokens are copies of it instead of zeros: what a padding
// token becomes through a token-wise op, when that op runs before the partition (TinyViT's qkv(LayerNorm(0))).
void window_partition_f32(const float* in, int64_t batch, int64_t height, int64_t width, int64_t channels,
                          int64_t window, float* out, const float* fill = nullptr);

// The inverse: windows [B * nh * nw, window * window, C] -> out [B, H, W, C], dropping the padding.
void window_unpartition_f32(const float* in, int64_t batch, int64_t height, int64_t width, int64_t channels,
                            int64_t window, float* out);

}  // namespace lsam
