// A deterministic test picture (sky gradient, ground, a few solid shapes, mild noise) for the demo and
// benchmarks when no image is given: it has edges and regions, so masks have something to follow.
#pragma once

#include "tools/lsam/image_io.h"

namespace lsam::cli {

RgbImage synthetic_image(int64_t width, int64_t height);

}  // namespace lsam::cli
