#include "tools/lsam/synthetic_image.h"

#include <algorithm>
#include <cstdint>

namespace lsam::cli {

RgbImage synthetic_image(int64_t width, int64_t height) {
  RgbImage img;
  img.width = width;
  img.height = height;
  img.rgb.resize(static_cast<size_t>(width * height * 3));
  uint32_t noise = 2463534242u;  // xorshift32: a fixed, platform-independent sequence
  auto clamp = [](int v) { return static_cast<uint8_t>(std::clamp(v, 0, 255)); };
  for (int64_t y = 0; y < height; ++y)
    for (int64_t x = 0; x < width; ++x) {
      const double u = static_cast<double>(x) / static_cast<double>(width);
      const double v = static_cast<double>(y) / static_cast<double>(height);
      int r, g, b;
      if (v < 0.55) {  // sky
        r = static_cast<int>(90 + 80 * v), g = static_cast<int>(140 + 60 * v), b = 230;
      } else {  // ground
        r = 80, g = static_cast<int>(120 - 40 * (v - 0.55)), b = 60;
      }
      const double dx = u - 0.35, dy = v - 0.55;
      if (dx * dx + dy * dy < 0.03) r = 220, g = 60, b = 40;                         // red disc
      if (u > 0.6 && u < 0.85 && v > 0.3 && v < 0.75) r = 240, g = 200, b = 40;        // yellow block
      if (u > 0.65 && u < 0.8 && v > 0.4 && v < 0.55) r = 40, g = 40, b = 60;          // window in it
      if (v > 0.8 && v < 0.85 + 0.05 * u) r = 200, g = 200, b = 200;                   // road stripe
      noise ^= noise << 13, noise ^= noise >> 17, noise ^= noise << 5;
      const int n = static_cast<int>(noise % 9) - 4;
      uint8_t* p = &img.rgb[static_cast<size_t>((y * width + x) * 3)];
      p[0] = clamp(r + n), p[1] = clamp(g + n), p[2] = clamp(b + n);
    }
  return img;
}

}  // namespace lsam::cli
