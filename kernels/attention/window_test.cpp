#include <doctest/doctest.h>

#include <cstddef>
#include <vector>

#include "kernels/attention/window.h"

using namespace lsam;

TEST_CASE("window partition pads, orders windows like SAM, and unpartition inverts it") {
  struct Shape {
    int64_t batch, height, width, channels, window;
  };
  for (Shape s : {Shape{1, 14, 14, 3, 7}, Shape{2, 16, 10, 5, 7}, Shape{1, 64, 64, 8, 14}, Shape{3, 3, 4, 2, 5},
                  Shape{1, 1, 1, 1, 1}}) {
    const int64_t nh = (s.height + s.window - 1) / s.window, nw = (s.width + s.window - 1) / s.window;
    std::vector<float> image(static_cast<size_t>(s.batch * s.height * s.width * s.channels));
    for (size_t i = 0; i < image.size(); ++i) image[i] = static_cast<float>(i + 1);
    std::vector<float> windows(static_cast<size_t>(s.batch * nh * nw * s.window * s.window * s.channels), -1.0f);
    window_partition_f32(image.data(), s.batch, s.height, s.width, s.channels, s.window, windows.data());
    std::vector<float> fill(static_cast<size_t>(s.channels)), filled(windows.size(), -1.0f);
    for (size_t c = 0; c < fill.size(); ++c) fill[c] = -2.0f - static_cast<float>(c);
    window_partition_f32(image.data(), s.batch, s.height, s.width, s.channels, s.window, filled.data(), fill.data());

    // Token t of window (b, wy, wx) is pixel (wy * window + t / window, wx * window + t % window), or 0 past the
    // edge (fill[c] with a fill vector).
    bool ok = true, filled_ok = true;
    size_t at = 0;
    for (int64_t b = 0; b < s.batch; ++b)
      for (int64_t wy = 0; wy < nh; ++wy)
        for (int64_t wx = 0; wx < nw; ++wx)
          for (int64_t t = 0; t < s.window * s.window; ++t)
            for (int64_t c = 0; c < s.channels; ++c, ++at) {
              const int64_t y = wy * s.window + t / s.window, x = wx * s.window + t % s.window;
              const float want = y < s.height && x < s.width
                                     ? image[static_cast<size_t>(((b * s.height + y) * s.width + x) * s.channels + c)]
                                     : 0.0f;
              ok = ok && windows[at] == want;
              const bool inside = y < s.height && x < s.width;
              filled_ok = filled_ok && filled[at] == (inside ? want : fill[static_cast<size_t>(c)]);
            }
    CHECK(ok);
    CHECK(filled_ok);

    std::vector<float> back(image.size(), -1.0f);
    window_unpartition_f32(windows.data(), s.batch, s.height, s.width, s.channels, s.window, back.data());
    CHECK(back == image);
  }
}
