// The inverted bottleneck of MobileNetV2 and TinyViT (MBConv, and TinyViT's patch merging): a 1x1 conv that
// expands the channels, a depthwise 3x3 conv (stride 1 or 2) and a 1x1 conv that projects them back, then
// optionally the input added and an activation.
#pragma once

#include "engine/tensor.h"
#include "graph/ops.h"

namespace lsam::graph {

// project(depthwise(expand(x))) [+ x if shortcut], then `after`; x NHWC. The expanded activations stream
// row by row through a ring of three rows per thread, so they never leave the core's L2 (at MobileSAM's
// 256 x 256 stage they would be 64 MB). The result is bit-identical to running the three convs one by one.
// The activations of expand and depthwise are their own (fused in their Conv). expand and project must be
// 1x1 convs (stride 1, no padding), depthwise a 3x3 depthwise conv with padding 1 and stride 1 or 2, and
// shortcut needs stride 1 and as many output channels as input ones; otherwise std::invalid_argument.
Tensor inverted_bottleneck(const Conv& expand, const Conv& depthwise, const Conv& project, const Tensor& x,
                           bool shortcut, Activation after);

}  // namespace lsam::graph
