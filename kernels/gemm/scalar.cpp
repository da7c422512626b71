// Baseline GEMM kernel (LSAM_ISA=scalar): the same body as AVX2 on 4-float GCC vectors, which any x86-64
// compiles to SSE2. 6 x 8 tile: 12 xmm accumulators + 2 for the B row + 1 broadcast = 15 of 16. There is no
// FMA here, so fma() rounds twice; the tests' error bound allows for it.
#include <cstdint>
#include <cstring>

#include "kernels/gemm/ukernel.h"

namespace lsam {
namespace {

struct Vec {
  using T = float __attribute__((vector_size(16)));
  using I = int32_t __attribute__((vector_size(16)));
  static constexpr int width = 4;
  static T zero() { return T{}; }
  static T set1(float x) { return T{} + x; }
  static T load(const float* p) {
    T v;
    std::memcpy(&v, p, sizeof v);
    return v;
  }
  static void store(float* p, T v) { std::memcpy(p, &v, sizeof v); }
  static T broadcast(const float* p) { return set1(*p); }
  static T fma(T a, T b, T c) { return a * b + c; }
  static T min(T a, T b) { return a < b ? a : b; }
  static T max(T a, T b) { return a > b ? a : b; }
  static T recip(T x) { return 1.f / x; }
};

#include "kernels/gemm/vmath.inc"
#include "kernels/gemm/ukernel.inc"

}  // namespace

void gemm_ukernel_f32_scalar_6x8(const GemmUkernelArgs& args) { gemm_block<6, 2>(args); }

}  // namespace lsam
