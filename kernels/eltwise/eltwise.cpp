// Eltwise entry points: profile, pick the variant, split the elements over threads.
#include "kernels/eltwise/eltwise.h"

#include "engine/cpu.h"
#include "engine/profiler.h"
#include "engine/threads.h"

namespace lsam {
namespace {

// Elements per thread below which forking costs more than it saves (a fork/join is a few microseconds; a
// thread streams ~4 elements per nanosecond).
constexpr int64_t kMinChunk = 1 << 15;

}  // namespace

const char* activation_name(Activation a) {
  switch (a) {
    case Activation::none: return "none";
    case Activation::relu: return "relu";
    case Activation::gelu: return "gelu";
    case Activation::silu: return "silu";
  }
  return "?";
}

void activation_f32(Activation act, int64_t n, const float* x, float* y) {
  LSAM_PROFILE(activation_name(act), static_cast<double>(n), 8.0 * n);
  auto* kernel = pick_variant(activation_f32_ref, activation_f32_avx2, activation_f32_avx512);
  parallel_for(n, kMinChunk, [&](int64_t b, int64_t e) { kernel(act, e - b, x + b, y + b); });
}

void add_f32(int64_t n, const float* a, const float* b, float* y) {
  LSAM_PROFILE("add", static_cast<double>(n), 12.0 * n);
  auto* kernel = pick_variant(add_f32_ref, add_f32_avx2, add_f32_avx512);
  parallel_for(n, kMinChunk, [&](int64_t i, int64_t e) { kernel(e - i, a + i, b + i, y + i); });
}

void mul_f32(int64_t n, const float* a, const float* b, float* y) {
  LSAM_PROFILE("mul", static_cast<double>(n), 12.0 * n);
  auto* kernel = pick_variant(mul_f32_ref, mul_f32_avx2, mul_f32_avx512);
  parallel_for(n, kMinChunk, [&](int64_t i, int64_t e) { kernel(e - i, a + i, b + i, y + i); });
}

void scale_add_f32(int64_t n, const float* a, float alpha, const float* b, float* y) {
  LSAM_PROFILE("scale_add", 2.0 * n, 12.0 * n);
  auto* kernel = pick_variant(scale_add_f32_ref, scale_add_f32_avx2, scale_add_f32_avx512);
  parallel_for(n, kMinChunk, [&](int64_t i, int64_t e) { kernel(e - i, a + i, alpha, b + i, y + i); });
}

void add_rows_f32(int64_t rows, int64_t cols, const float* x, int64_t ldx, const float* v, float* y, int64_t ldy) {
  LSAM_PROFILE("add_rows", static_cast<double>(rows * cols), 8.0 * rows * cols + 4.0 * cols);
  auto* kernel = pick_variant(add_rows_f32_ref, add_rows_f32_avx2, add_rows_f32_avx512);
  parallel_for(rows, std::max<int64_t>(1, kMinChunk / std::max<int64_t>(1, cols)),
               [&](int64_t b, int64_t e) { kernel(e - b, cols, x + b * ldx, ldx, v, y + b * ldy, ldy); });
}

}  // namespace lsam
