// Resampling at SAM's and YOLOv8's shapes, in GB/s of input read plus output written, e.g.
//   lsam_kernel_bench --benchmark_filter='resize|maxpool|upsample' --benchmark_counters_tabular=true
#include <benchmark/benchmark.h>

#include <random>
#include <vector>

#include "kernels/resize/resize.h"

namespace lsam {
namespace {

template <class F>
void run_timed(benchmark::State& state, double bytes, F body) {
  body();  // warm caches
  for (auto _ : state) body();
  state.counters["GB/s"] = benchmark::Counter(bytes * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

// Args: channels, in_h, in_w, out_h, out_w, antialias. SAM's three mask logits 256 -> 1024, then the crop of a
// 4:3 image's 768 x 1024 back to 600 x 800.
void BM_resize_bilinear(benchmark::State& state) {
  const int64_t c = state.range(0), ih = state.range(1), iw = state.range(2), oh = state.range(3), ow = state.range(4);
  std::mt19937 rng(42);
  std::normal_distribution<float> dist(0.f, 8.f);
  std::vector<float> x(static_cast<size_t>(c * ih * iw)), y(static_cast<size_t>(c * oh * ow));
  for (float& v : x) v = dist(rng);
  run_timed(state, 4.0 * static_cast<double>(x.size() + y.size()),
            [&] { resize_bilinear_f32(x.data(), c, ih, iw, y.data(), oh, ow, state.range(5) != 0); });
}
BENCHMARK(BM_resize_bilinear)
    ->Args({3, 256, 256, 1024, 1024, 0})
    ->Args({3, 768, 1024, 600, 800, 0})
    ->Args({3, 1024, 1024, 256, 256, 1})
    ->UseRealTime();

// SAM's post-processing of three 256 x 256 mask logits for a 600 x 800 image (up to the 1024 frame, crop to
// 768 x 1024, down to 600 x 800, > 0): as the separate float resizes and threshold (arg 0), and fused (arg 1).
// GB/s counts the logits read and the masks written, so the two rates compare as times do.
void BM_mask_postprocess(benchmark::State& state) {
  std::mt19937 rng(42);
  std::normal_distribution<float> dist(0.f, 8.f);
  std::vector<float> x(3 * 256 * 256), crop(3 * 768 * 1024), full(3 * 600 * 800);
  std::vector<uint8_t> masks(full.size());
  for (float& v : x) v = dist(rng);
  run_timed(state, 4.0 * static_cast<double>(x.size()) + static_cast<double>(masks.size()), [&] {
    if (state.range(0)) {
      resize_crop_resize_threshold_u8(x.data(), 3, 256, 256, 1024, 1024, 768, 1024, masks.data(), 600, 800);
      return;
    }
    resize_bilinear_crop_f32(x.data(), 3, 256, 256, crop.data(), 1024, 1024, 768, 1024, false);
    resize_bilinear_f32(crop.data(), 3, 768, 1024, full.data(), 600, 800, false);
    const float* __restrict logits = full.data();  // restrict, or the loop is not vectorised
    uint8_t* __restrict inside = masks.data();
    const size_t count = full.size();
    for (size_t i = 0; i < count; ++i) inside[i] = logits[i] > 0.0f;
  });
}
BENCHMARK(BM_mask_postprocess)->Arg(0)->Arg(1)->UseRealTime();

// Args: in_h, in_w, out_h, out_w. SAM's preprocessing of 3:2 photos to a longest side of 1024.
void BM_resize_pil(benchmark::State& state) {
  const int64_t ih = state.range(0), iw = state.range(1), oh = state.range(2), ow = state.range(3);
  std::mt19937 rng(42);
  std::vector<uint8_t> x(static_cast<size_t>(ih * iw * 3)), y(static_cast<size_t>(oh * ow * 3));
  for (uint8_t& v : x) v = static_cast<uint8_t>(rng());
  run_timed(state, static_cast<double>(x.size() + y.size()),
            [&] { resize_u8_pil_bilinear(x.data(), ih, iw, 3, y.data(), oh, ow); });
}
BENCHMARK(BM_resize_pil)->Args({1200, 1800, 683, 1024})->Args({2000, 3000, 683, 1024})->UseRealTime();

// YOLOv8n at 640: SPPF's 5 x 5 pools on 20 x 20 x 128, the neck's x2 upsample of 20 x 20 x 256.
void BM_maxpool_sppf(benchmark::State& state) {
  std::vector<float> x(20 * 20 * 128, 1.f), y(x.size());
  run_timed(state, 8.0 * static_cast<double>(x.size()),
            [&] { maxpool_f32(x.data(), 1, 20, 20, 128, 5, 1, 2, y.data()); });
}
BENCHMARK(BM_maxpool_sppf)->UseRealTime();

void BM_upsample_nearest(benchmark::State& state) {
  std::vector<float> x(20 * 20 * 256, 1.f), y(4 * x.size());
  run_timed(state, 4.0 * static_cast<double>(x.size() + y.size()),
            [&] { upsample_nearest_f32(x.data(), 1, 20, 20, 256, 2, y.data()); });
}
BENCHMARK(BM_upsample_nearest)->UseRealTime();

}  // namespace
}  // namespace lsam
