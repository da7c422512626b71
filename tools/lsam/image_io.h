// Image files for the CLI, through stb: JPEG, PNG, BMP (and whatever else stb reads) in, PNG out.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace lsam::cli {

struct RgbImage {
  int64_t width = 0, height = 0;
  std::vector<uint8_t> rgb;  // interleaved, row-major
};

// Throws std::runtime_error "PATH: reason" when the file cannot be read or decoded.
RgbImage read_rgb(const std::string& path);

void write_gray_png(const std::string& path, const uint8_t* pixels, int64_t width, int64_t height);
void write_rgb_png(const std::string& path, const RgbImage& image);

// Tints the mask's pixels and darkens its outline on a copy of the image.
RgbImage overlay(const RgbImage& image, const uint8_t* mask);

}  // namespace lsam::cli
