// Pointwise activations shared by fused epilogues (GEMM, conv) and the standalone eltwise kernels.
#pragma once

#include <cstdint>

namespace lsam {

enum class Activation : uint8_t {
  none,
  relu,
  gelu,  // erf form, PyTorch's nn.GELU() default
  silu,
};

const char* activation_name(Activation a);

// Scalar reference (std::erf, std::exp in double): the yardstick for every vectorised activation.
float activation_ref(Activation a, float x);

}  // namespace lsam
