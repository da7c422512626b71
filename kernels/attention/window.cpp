#include "kernels/attention/window.h"

#include <cstring>
#include <stdexcept>
#include <string>

#include "engine/profiler.h"
#include "engine/threads.h"

namespace lsam {
namespace {

// Calls copy(window_row_index, image_row, first_image_column, columns) for every row of every window, in
// parallel: image_row < 0 marks a window row wholly in the bottom padding, and columns < window the part
// of a row cut by the right edge. Window row index counts rows of [B * nh * nw * window, window, C].
template <class Copy>
void for_each_window_row(int64_t batch, int64_t height, int64_t width, int64_t window, const Copy& copy) {
  if (batch < 0 || height < 0 || width < 0 || window < 1)
    throw std::invalid_argument("window partition: bad shape " + std::to_string(batch) + "x" + std::to_string(height) +
                                "x" + std::to_string(width) + ", window " + std::to_string(window));
  const int64_t nh = (height + window - 1) / window, nw = (width + window - 1) / window;
  const int64_t rows = batch * nh * nw * window;
  const int threads = available_threads();
#pragma omp parallel for schedule(static) num_threads(threads) if (threads > 1 && rows >= 64)
  for (int64_t row = 0; row < rows; ++row) {
    const int64_t r = row % window, win = row / window;
    const int64_t wx = win % nw, wy = win / nw % nh, b = win / (nw * nh);
    const int64_t y = wy * window + r, x = wx * window;
    const int64_t columns = width - x < window ? width - x : window;
    copy(row, y < height ? b * height + y : -1, x, columns);
  }
}

}  // namespace

void window_partition_f32(const float* in, int64_t batch, int64_t height, int64_t width, int64_t channels,
                          int64_t window, float* out, const float* fill) {
  LSAM_PROFILE("window", 0, 8.0 * batch * height * width * channels);
  const size_t token_bytes = static_cast<size_t>(channels) * sizeof(float);
  const auto pad = [&](float* dst, int64_t tokens) {
    if (!fill) {
      std::memset(dst, 0, static_cast<size_t>(tokens) * token_bytes);
      return;
    }
    for (int64_t t = 0; t < tokens; ++t) std::memcpy(dst + t * channels, fill, token_bytes);
  };
  for_each_window_row(batch, height, width, window, [&](int64_t row, int64_t image_row, int64_t x, int64_t columns) {
    float* dst = out + row * window * channels;
    if (image_row < 0) {
      pad(dst, window);
      return;
    }
    std::memcpy(dst, in + (image_row * width + x) * channels, static_cast<size_t>(columns) * token_bytes);
    pad(dst + columns * channels, window - columns);
  });
}

void window_unpartition_f32(const float* in, int64_t batch, int64_t height, int64_t width, int64_t channels,
                            int64_t window, float* out) {
  LSAM_PROFILE("window", 0, 8.0 * batch * height * width * channels);
  for_each_window_row(batch, height, width, window, [&](int64_t row, int64_t image_row, int64_t x, int64_t columns) {
    if (image_row >= 0)
      std::memcpy(out + (image_row * width + x) * channels, in + row * window * channels,
                  static_cast<size_t>(columns * channels) * sizeof(float));
  });
}

}  // namespace lsam
