// Folds inference-mode BatchNorm into the convolution before it, so models never run a BatchNorm:
//   scale = gamma / sqrt(running_var + eps)
//   w'[o, ...] = w[o, ...] * scale[o]
//   b'[o]      = (b[o] - running_mean[o]) * scale[o] + beta[o]      (b = 0 when the conv has no bias)
// computed in double and rounded once to f32.
//
// Pairs are found by name: for every module P with P.bn.{running_mean, running_var} (and usually
// P.bn.{weight, bias}) and a sibling convolution P.c.weight (TinyViT's Conv2d_BN) or P.conv.weight
// (Ultralytics' Conv), the convolution gets the folded weight and a bias P.c.bias / P.conv.bias, and the
// P.bn.* tensors (num_batches_tracked included) disappear. A BatchNorm without such a sibling stays.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "weights/named_weights.h"

namespace lsam {

// eps: per BatchNorm module path ("model.0.bn") when the checkpoint recorded it, else default_eps.
// Returns the number of folded pairs; throws WeightsError on inconsistent shapes or a non-positive
// running_var + eps.
int fold_batchnorms(std::vector<NamedTensor>& tensors, const std::map<std::string, double>& eps, double default_eps,
                    const std::string& where);

}  // namespace lsam
