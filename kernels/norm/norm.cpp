// LayerNorm and softmax entry points: profile, pick the variant, split the rows over threads.
#include "kernels/norm/norm.h"

#include <algorithm>

#include "engine/cpu.h"
#include "engine/profiler.h"
#include "engine/threads.h"

namespace lsam {
namespace {

// Rows per thread so that a chunk holds at least ~32K elements: below that forking costs more than it saves.
int64_t min_rows(int64_t dim) { return std::max<int64_t>(1, (int64_t{1} << 15) / std::max<int64_t>(1, dim)); }

}  // namespace

void layernorm_f32(int64_t rows, int64_t dim, const float* x, int64_t ldx, const float* gamma, const float* beta,
                   float eps, float* y, int64_t ldy, const LayerNormEpilogue& ep) {
  LSAM_PROFILE("layernorm", 7.0 * rows * dim, 4.0 * ((ep.sum ? 4.0 : 2.0) * rows * dim + 2.0 * dim));
  auto* kernel = pick_variant(layernorm_f32_ref, layernorm_f32_avx2, layernorm_f32_avx512);
  parallel_for(rows, min_rows(dim),
               [&](int64_t b, int64_t e) {
    LayerNormEpilogue part = ep;
    if (ep.sum) part.addend += b * ldy, part.sum += b * ldy;
    kernel(e - b, dim, x + b * ldx, ldx, gamma, beta, eps, y + b * ldy, ldy, part);
  });
}

void softmax_f32(int64_t rows, int64_t dim, const float* x, int64_t ldx, float* y, int64_t ldy) {
  LSAM_PROFILE("softmax", 5.0 * rows * dim, 8.0 * rows * dim);
  auto* kernel = pick_variant(softmax_f32_ref, softmax_f32_avx2, softmax_f32_avx512);
  parallel_for(rows, min_rows(dim),
               [&](int64_t b, int64_t e) { kernel(e - b, dim, x + b * ldx, ldx, y + b * ldy, ldy); });
}

void softmax_mid_f32(int64_t outer, int64_t n, int64_t inner, const float* x, float* y) {
  LSAM_PROFILE("softmax", 5.0 * outer * n * inner, 12.0 * outer * n * inner);
  // Up to 8 columns (SAM's heads in the image-to-token scores), AVX-512 would leave half of every vector idle
  // and mask the rest: the AVX2 kernel's full 8-lane vectors took 0.8x its time on Cascade Lake.
  auto* kernel = pick_variant(softmax_mid_f32_ref, softmax_mid_f32_avx2,
                              inner <= 8 ? softmax_mid_f32_avx2 : softmax_mid_f32_avx512);
  const int64_t slice = n * inner;
  if (outer >= available_threads()) {
    parallel_for(outer, min_rows(slice),
                 [&](int64_t b, int64_t e) { kernel(e - b, n, inner, 0, inner, x + b * slice, y + b * slice); });
    return;
  }
  // Few slices (one image's token-to-image scores): the threads take groups of 16 columns (a cache line), and
  // only when the rows are whole lines, so that no line is written by both. SAM's 56 columns for one prompt
  // (rows of 224 bytes) run on one thread: split over two they took 1.8x the time of one on Cascade Lake, with
  // a line shared at the boundary in every row.
  constexpr int64_t kLine = kSoftmaxMidLine;
  if (inner % kLine != 0) return kernel(outer, n, inner, 0, inner, x, y);
  parallel_for(inner / kLine, min_rows(outer * n * kLine), [&](int64_t b, int64_t e) {
    kernel(outer, n, inner, b * kLine, e * kLine, x, y);
  });
}

}  // namespace lsam
