// The transformer block's MLP with its pre-norm and shortcut: x + fc2(act(fc1(norm(x)))), over the last dim.
#pragma once

#include "engine/tensor.h"
#include "graph/ops.h"

namespace lsam::graph {

// Runs in blocks of rows, each thread normalising, expanding and projecting its own rows, so the 4x wider
// hidden activations of a block stay in L2 instead of making a round trip through memory (32 MB at
// MobileSAM's first attention stage). Bit-identical to the three ops run one after another on all rows.
Tensor residual_mlp(const LayerNorm& norm, const Linear& fc1, Activation act, const Linear& fc2, const Tensor& x);

}  // namespace lsam::graph
