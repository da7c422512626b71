#include "tools/lsam/image_io.h"

#include <stb_image.h>
#include <stb_image_write.h>

#include <memory>
#include <stdexcept>

namespace lsam::cli {

RgbImage read_rgb(const std::string& path) {
  int w = 0, h = 0, channels = 0;
  std::unique_ptr<uint8_t, void (*)(void*)> data(stbi_load(path.c_str(), &w, &h, &channels, 3), stbi_image_free);
  if (!data) {
    const char* why = stbi_failure_reason();
    throw std::runtime_error(path + ": cannot read image (" + (why ? why : "unknown error") + ")");
  }
  RgbImage img;
  img.width = w;
  img.height = h;
  img.rgb.assign(data.get(), data.get() + static_cast<size_t>(w) * static_cast<size_t>(h) * 3);
  return img;
}

void write_gray_png(const std::string& path, const uint8_t* pixels, int64_t width, int64_t height) {
  if (!stbi_write_png(path.c_str(), static_cast<int>(width), static_cast<int>(height), 1, pixels, static_cast<int>(width)))
    throw std::runtime_error(path + ": cannot write PNG");
}

void write_rgb_png(const std::string& path, const RgbImage& image) {
  if (!stbi_write_png(path.c_str(), static_cast<int>(image.width), static_cast<int>(image.height), 3, image.rgb.data(),
                      static_cast<int>(image.width * 3)))
    throw std::runtime_error(path + ": cannot write PNG");
}

RgbImage overlay(const RgbImage& image, const uint8_t* mask) {
  RgbImage out = image;
  const int64_t w = image.width, h = image.height;
  auto inside = [&](int64_t y, int64_t x) { return y >= 0 && x >= 0 && y < h && x < w && mask[y * w + x]; };
  for (int64_t y = 0; y < h; ++y)
    for (int64_t x = 0; x < w; ++x) {
      if (!inside(y, x)) continue;
      uint8_t* p = &out.rgb[static_cast<size_t>((y * w + x) * 3)];
      const bool edge = !inside(y - 1, x) || !inside(y + 1, x) || !inside(y, x - 1) || !inside(y, x + 1);
      if (edge) {
        p[0] = 255, p[1] = 255, p[2] = 255;
      } else {  // blend towards a blue tint, as SAM's demos draw masks
        p[0] = static_cast<uint8_t>(p[0] * 0.4 + 30 * 0.6);
        p[1] = static_cast<uint8_t>(p[1] * 0.4 + 144 * 0.6);
        p[2] = static_cast<uint8_t>(p[2] * 0.4 + 255 * 0.6);
      }
    }
  return out;
}

}  // namespace lsam::cli
