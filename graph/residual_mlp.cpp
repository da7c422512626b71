#include "graph/residual_mlp.h"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "engine/profiler.h"
#include "engine/threads.h"
#include "kernels/gemm/gemm.h"
#include "kernels/norm/norm.h"

namespace lsam::graph {

Tensor residual_mlp(const LayerNorm& norm, const Linear& fc1, Activation act, const Linear& fc2, const Tensor& x) {
  const int64_t C = x.dim(-1), hidden = fc1.out;
  if (norm.weight.numel() != C || fc1.in != C || fc2.in != hidden || fc2.out != C)
    throw std::invalid_argument("residual_mlp: norm and linears " + std::to_string(fc1.in) + "->" +
                                std::to_string(hidden) + "->" + std::to_string(fc2.out) + " do not fit input " +
                                x.describe());
  const Tensor xc = x.contiguous();
  const int64_t rows = xc.numel() / C;
  // A block's normalised rows and hidden activations, (C + hidden) floats a row, in about 192 KB of L2; a
  // whole number of GEMM row tiles (6 on AVX2, 12 on AVX-512 both divide 12).
  const int64_t block = std::max<int64_t>(12, 48 * 1024 / (C + hidden) / 12 * 12);
  const int64_t blocks = (rows + block - 1) / block;
  LSAM_PROFILE("mlp", 4.0 * rows * C * hidden, 4.0 * (2.0 * rows * C + 2.0 * C * hidden));
  Tensor y = Tensor::empty(x.shape());
  const float* in = xc.data<float>();
  float* out = y.data<float>();
  parallel_claim(blocks, [&](const auto& next) {
    const Tensor scratch = Tensor::empty({block, C + hidden});
    float* normed = scratch.data<float>();
    float* expanded = normed + block * C;
    GemmEpilogue up;
    up.bias = fc1.bias.defined() ? fc1.bias.data<float>() : nullptr;
    up.activation = act;
    for (int64_t b; (b = next()) >= 0;) {
      const int64_t r0 = b * block, n = std::min(rows, r0 + block) - r0;
      layernorm_f32(n, C, in + r0 * C, C, norm.weight.data<float>(), norm.bias.data<float>(), norm.eps, normed, C);
      gemm_f32(n, normed, C, fc1.weight, expanded, hidden, up);
      GemmEpilogue down;
      down.bias = fc2.bias.defined() ? fc2.bias.data<float>() : nullptr;
      down.residual = in + r0 * C;
      down.ldr = C;
      gemm_f32(n, expanded, hidden, fc2.weight, out + r0 * C, C, down);
    }
  });
  return y;
}

}  // namespace lsam::graph
