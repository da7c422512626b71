// lsam demo: the main job on an embedded default. Without -m it builds a MobileSAM with random weights
// (deterministic), without -i it draws a test picture, then it segments from one point and writes the
// input, the mask and an overlay, with timings and the per-op profile of the encoder.
#include <cstdio>
#include <filesystem>
#include <string>

#include "engine/cpu.h"
#include "engine/profiler.h"
#include "engine/threads.h"
#include "kernels/peak/peak.h"
#include "tools/lsam/args.h"
#include "tools/lsam/commands.h"
#include "tools/lsam/image_io.h"
#include "tools/lsam/model_loader.h"
#include "tools/lsam/synthetic_image.h"

namespace lsam::cli {

int cmd_demo(int argc, char** argv) {
  const Args args(argc - 1, argv + 1, {"-m", "-i", "-o"}, {"-h", "--help"});
  if (args.has("-h") || args.has("--help")) {
    std::puts("usage: lsam demo [-m MODEL(.pt|.lsam)] [-i IMAGE] [-o OUTPUT_DIR]");
    return 0;
  }
  const std::string dir = args.get("-o").value_or("lsam-demo");
  std::filesystem::create_directories(dir);

  LoadedModel loaded;
  if (auto model = args.get("-m")) {
    loaded = load_mobile_sam(*model);
    std::printf("model: %s\n", model->c_str());
  } else {
    loaded = random_mobile_sam(/*seed=*/0);
    std::printf(
        "model: MobileSAM with RANDOM weights (no checkpoint given): the mask below is meaningless.\n"
        "       The official weights are weights/mobile_sam.pt in https://github.com/ChaoningZhang/MobileSAM;\n"
        "       run `lsam demo -m mobile_sam.pt -i photo.jpg` for a real segmentation.\n");
  }
  RgbImage image;
  if (auto path = args.get("-i")) {
    image = read_rgb(*path);
  } else {
    image = synthetic_image(800, 600);
    write_rgb_png(dir + "/input.png", image);
  }
  std::printf("image: %s (%lldx%lld)\n", args.get("-i").value_or(dir + "/input.png").c_str(),
              static_cast<long long>(image.width), static_cast<long long>(image.height));
  std::printf("cpu: %s path, %d threads\n", isa_name(active_isa()), num_threads());

  graph::SamPredictor predictor(loaded.model);
  profiler::set_enabled(true);
  predictor.set_image(image.rgb.data(), image.height, image.width);
  profiler::set_enabled(false);
  graph::Prompt prompt;
  prompt.points = {{0.35f * static_cast<float>(image.width), 0.55f * static_cast<float>(image.height)}};
  prompt.labels = {1};
  prompt.multimask = true;
  const graph::Prediction pred = predictor.predict(prompt);

  const int64_t pixels = image.width * image.height, n = pred.iou.numel();
  const float* iou = pred.iou.data<float>();
  int64_t best = 0;
  for (int64_t i = 1; i < n; ++i)
    if (iou[i] > iou[best]) best = i;
  std::vector<uint8_t> mask(static_cast<size_t>(pixels));
  for (int64_t i = 0; i < pixels; ++i) mask[static_cast<size_t>(i)] = pred.masks.data<uint8_t>()[best * pixels + i] ? 255 : 0;
  write_gray_png(dir + "/mask.png", mask.data(), image.width, image.height);
  write_rgb_png(dir + "/overlay.png", overlay(image, mask.data()));

  std::printf("prompt: point (%.0f, %.0f), 3 candidate masks, predicted IoU", prompt.points[0][0], prompt.points[0][1]);
  for (int64_t i = 0; i < n; ++i) std::printf(" %.3f", iou[i]);
  std::printf("\nwrote %s/mask.png and %s/overlay.png\n", dir.c_str(), dir.c_str());
  std::printf("load %.1f ms, encode %.1f ms, decode %.1f ms\n\n", loaded.load_ms, predictor.timings().encode_ms,
              predictor.timings().decode_ms);
  std::printf("encoder profile:\n%s", profiler::report(measure_fma_peak_gflops(active_isa(), num_threads())).c_str());
  return 0;
}

}  // namespace lsam::cli
