// lsam segment: prompt MobileSAM with points and/or a box, write the mask (and an overlay).
#include <cstdio>
#include <string>

#include "engine/cpu.h"
#include "engine/profiler.h"
#include "engine/threads.h"
#include "kernels/peak/peak.h"
#include "tools/lsam/args.h"
#include "tools/lsam/commands.h"
#include "tools/lsam/image_io.h"
#include "tools/lsam/model_loader.h"

namespace lsam::cli {
namespace {

constexpr const char* kUsage =
    "usage: lsam segment -m MODEL(.pt|.lsam) -i IMAGE [--point X,Y[,1|0]]... [--box X0,Y0,X1,Y1] -o MASK.png\n"
    "                    [--overlay OUT.png] [--multimask] [--profile [trace.json]] [--json]\n"
    "                    [--save-embedding FILE | --embedding FILE]\n";

graph::Prompt parse_prompt(const Args& args) {
  graph::Prompt p;
  for (const std::string& s : args.all("--point")) {
    const auto v = parse_numbers(s, 2, 3, "--point");
    if (v.size() == 3 && v[2] != 0 && v[2] != 1) throw std::invalid_argument("--point " + s + ": label must be 1 or 0");
    p.points.push_back({static_cast<float>(v[0]), static_cast<float>(v[1])});
    p.labels.push_back(v.size() == 3 ? static_cast<int>(v[2]) : 1);
  }
  if (auto box = args.get("--box")) {
    const auto v = parse_numbers(*box, 4, 4, "--box");
    p.box = {static_cast<float>(v[0]), static_cast<float>(v[1]), static_cast<float>(v[2]), static_cast<float>(v[3])};
  }
  if (p.points.empty() && !p.box) throw std::invalid_argument("give at least one --point or a --box");
  p.multimask = args.has("--multimask");
  return p;
}

}  // namespace

int cmd_segment(int argc, char** argv) {
  const Args args(argc - 1, argv + 1, {"-m", "-i", "-o", "--point", "--box", "--overlay", "--save-embedding", "--embedding"},
                  {"--multimask", "--json", "-h", "--help"}, {"--profile"});
  if (args.has("-h") || args.has("--help")) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  const std::string model_path = args.require("-m"), image_path = args.require("-i"), out_path = args.require("-o");
  const graph::Prompt prompt = parse_prompt(args);
  const bool json = args.has("--json");
  if (args.has("--profile")) profiler::set_enabled(true);

  const LoadedModel loaded = load_mobile_sam(model_path);
  const RgbImage image = read_rgb(image_path);
  graph::SamPredictor predictor(loaded.model);
  if (auto embedding = args.get("--embedding")) {
    predictor.load_embedding(*embedding);
    if (predictor.original_width() != image.width || predictor.original_height() != image.height)
      throw std::runtime_error(*embedding + ": embedding was made for a " + std::to_string(predictor.original_width()) +
                               "x" + std::to_string(predictor.original_height()) + " image, " + image_path + " is " +
                               std::to_string(image.width) + "x" + std::to_string(image.height));
  } else {
    predictor.set_image(image.rgb.data(), image.height, image.width);
  }
  if (auto save = args.get("--save-embedding")) predictor.save_embedding(*save);

  const graph::Prediction pred = predictor.predict(prompt);
  const int64_t n = pred.iou.numel(), pixels = image.width * image.height;
  const float* iou = pred.iou.data<float>();
  int64_t best = 0;
  for (int64_t i = 1; i < n; ++i)
    if (iou[i] > iou[best]) best = i;
  std::vector<uint8_t> mask(static_cast<size_t>(pixels));
  const uint8_t* m = pred.masks.data<uint8_t>() + best * pixels;
  int64_t area = 0;
  for (int64_t i = 0; i < pixels; ++i) area += (mask[static_cast<size_t>(i)] = m[i] ? 255 : 0) != 0;
  write_gray_png(out_path, mask.data(), image.width, image.height);
  if (auto path = args.get("--overlay")) write_rgb_png(*path, overlay(image, mask.data()));

  const double encode_ms = args.has("--embedding") ? 0.0 : predictor.timings().encode_ms;
  const double decode_ms = predictor.timings().decode_ms;
  if (json) {
    std::printf("{\"model\":\"%s\",\"image\":\"%s\",\"width\":%lld,\"height\":%lld,\"scores\":[", model_path.c_str(),
                image_path.c_str(), static_cast<long long>(image.width), static_cast<long long>(image.height));
    for (int64_t i = 0; i < n; ++i) std::printf("%s%.6f", i ? "," : "", iou[i]);
    std::printf("],\"best\":%lld,\"area\":%lld,\"load_ms\":%.3f,\"encode_ms\":%.3f,\"decode_ms\":%.3f,\"mask\":\"%s\"}\n",
                static_cast<long long>(best), static_cast<long long>(area), loaded.load_ms, encode_ms, decode_ms,
                out_path.c_str());
  } else {
    std::printf("image %s: %lldx%lld\n", image_path.c_str(), static_cast<long long>(image.width),
                static_cast<long long>(image.height));
    for (int64_t i = 0; i < n; ++i)
      std::printf("mask %lld: predicted IoU %.4f%s\n", static_cast<long long>(i), iou[i], i == best ? "  (written)" : "");
    std::printf("mask area: %lld pixels -> %s\n", static_cast<long long>(area), out_path.c_str());
    std::printf("load %.1f ms, encode %.1f ms, decode %.1f ms\n", loaded.load_ms, encode_ms, decode_ms);
  }
  if (args.has("--profile")) {
    std::fputs(profiler::report(measure_fma_peak_gflops(active_isa(), num_threads())).c_str(), json ? stderr : stdout);
    if (const std::string trace = *args.get("--profile"); !trace.empty()) profiler::write_chrome_trace(trace);
  }
  return 0;
}

}  // namespace lsam::cli
