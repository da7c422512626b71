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

// The exact formula in double precision: the yardstick of every fused epilogue's reference.
double activation_f64(Activation a, double x);

// Scalar reference (std::erf, std::exp in double): the yardstick for every vectorised activation.
float activation_ref(Activation a, float x);

}  // namespace lsam
