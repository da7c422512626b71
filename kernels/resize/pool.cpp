// NHWC nearest upsampling and max pooling (YOLOv8's Upsample and SPPF).
#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>

#include "engine/cpu.h"
#include "engine/profiler.h"
#include "engine/threads.h"
#include "kernels/resize/resize.h"

namespace lsam {

void upsample_nearest_f32(const float* x, int64_t n, int64_t h, int64_t w, int64_t c, int factor, float* y) {
  if (factor < 1) throw std::invalid_argument("upsample_nearest_f32: factor " + std::to_string(factor));
  const int64_t out_row = w * factor * c;
  LSAM_PROFILE("upsample_nearest", 0.0, 4.0 * (n * h * w * c + n * h * factor * out_row));
  const size_t pixel = static_cast<size_t>(c) * sizeof(float);
  // Output row i * factor is built pixel by pixel; the other factor - 1 rows are copies of it.
  parallel_for(n * h, std::max<int64_t>(1, 16384 / out_row), [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) {
      const float* in = x + r * w * c;
      float* out = y + r * factor * out_row;
      for (int64_t iw = 0; iw < w; ++iw)
        for (int k = 0; k < factor; ++k) std::memcpy(out + (iw * factor + k) * c, in + iw * c, pixel);
      for (int k = 1; k < factor; ++k)
        std::memcpy(out + k * out_row, out, static_cast<size_t>(out_row) * sizeof(float));
    }
  });
}

int64_t maxpool_out_size(int64_t in, int kernel, int stride, int pad) { return (in + 2 * pad - kernel) / stride + 1; }

void maxpool_f32(const float* x, int64_t n, int64_t h, int64_t w, int64_t c, int kernel, int stride, int pad,
                 float* y) {
  if (kernel < 1 || stride < 1 || pad < 0 || 2 * pad > kernel || h + 2 * pad < kernel || w + 2 * pad < kernel)
    throw std::invalid_argument("maxpool_f32: kernel " + std::to_string(kernel) + " stride " + std::to_string(stride) +
                                " pad " + std::to_string(pad) + " on " + std::to_string(h) + "x" + std::to_string(w));
  const PoolShape s{
      h, w, c, maxpool_out_size(h, kernel, stride, pad), maxpool_out_size(w, kernel, stride, pad), kernel, stride, pad};
  LSAM_PROFILE("maxpool", static_cast<double>(n * s.out_h * s.out_w * c) * kernel * kernel,
               4.0 * (n * h * w * c + n * s.out_h * s.out_w * c));
  const auto kernel_fn = pick_variant(maxpool_f32_ref, maxpool_f32_avx2, maxpool_f32_avx512);
  parallel_for(n * s.out_h, std::max<int64_t>(1, 4096 / (s.out_w * c)),
               [&](int64_t b, int64_t e) { kernel_fn(s, b, e, x, y); });
}

}  // namespace lsam
