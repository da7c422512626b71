// Whole-model MobileSAM benchmark: load, encoder and decoder medians, batched prompts, the per-op profile
// of one encode as a fraction of the machine's measured FMA peak, and peak resident memory.
//
// usage: lsam_bench_mobile_sam -m MODEL [-i IMAGE] [--runs N] [--batch N] [--profile-runs N] [--json] [--trace FILE]
//        [--decoder-trace FILE]
//        lsam_bench_mobile_sam -m MODEL --loop encoder|decoder|batch [--runs N] [--batch N]   (one stage N times,
//        for perf record; batch: --batch prompts in one call)
// The per-op profiles take each call's fastest of --profile-runs passes (default 3), so that one stalled call
// on a shared machine does not move them. --trace writes the last profiled encode (a warm one: the arena is
// planned and touched) as a Chrome trace, --decoder-trace the last profiled single-prompt decode.
// bench/mobile_sam.py runs this beside PyTorch on the same checkpoint and prints the ratios.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iterator>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "engine/cpu.h"
#include "engine/profiler.h"
#include "engine/threads.h"
#include "graph/sam_predictor.h"
#include "kernels/peak/peak.h"
#include "tools/lsam/args.h"
#include "tools/lsam/image_io.h"
#include "tools/lsam/model_loader.h"
#include "tools/lsam/synthetic_image.h"

using namespace lsam;

namespace {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

template <class F> double time_ms(F&& f) {
  const auto t = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count();
}

double cpu_ms() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return 1e3 * static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         1e-3 * static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

double peak_rss_mb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const cli::Args args(argc - 1, argv + 1, {"-m", "-i", "--runs", "--batch", "--loop", "--trace", "--decoder-trace", "--profile-runs"}, {"--json"});
    const int runs = std::stoi(args.get("--runs").value_or("5"));
    const int batch = std::stoi(args.get("--batch").value_or("16"));
    const int profile_runs = std::stoi(args.get("--profile-runs").value_or("3"));
    if (runs < 1 || batch < 1 || profile_runs < 1) throw std::runtime_error("--runs, --batch and --profile-runs must be >= 1");
    const cli::LoadedModel loaded = cli::load_mobile_sam(args.require("-m"));
    const cli::RgbImage image = args.has("-i") ? cli::read_rgb(*args.get("-i")) : cli::synthetic_image(800, 600);
    graph::SamPredictor predictor(loaded.model);

    // Load + one encode + one decode first, so the resident peak is that of a single-image session.
    predictor.set_image(image.rgb.data(), image.height, image.width);
    graph::Prompt point;
    point.points = {{image.width * 0.4f, image.height * 0.45f}};
    point.labels = {1};
    point.multimask = true;  // as the PyTorch side times it
    predictor.predict(point);
    std::vector<graph::Prompt> prompts(static_cast<size_t>(batch), point);
    for (int i = 0; i < batch; ++i)
      prompts[static_cast<size_t>(i)].points[0] = {image.width * (0.1f + 0.8f * static_cast<float>(i) / static_cast<float>(batch)),
                                                   image.height * 0.5f};
    if (const auto stage = args.get("--loop")) {
      if (*stage != "encoder" && *stage != "decoder" && *stage != "batch")
        throw std::runtime_error("--loop takes encoder, decoder or batch");
      const double cpu0 = cpu_ms();
      const double ms = time_ms([&] {
        for (int r = 0; r < runs; ++r)
          if (*stage == "encoder") predictor.set_image(image.rgb.data(), image.height, image.width);
          else if (*stage == "decoder") predictor.predict(point);
          else predictor.predict_batch(prompts);
      });
      // CPU time too: on a shared machine it moves less than wall time (with one thread, it is the work).
      std::printf("%s: %.2f ms per run, %.2f CPU ms per run (means of %d)\n", stage->c_str(), ms / runs,
                  (cpu_ms() - cpu0) / runs, runs);
      return 0;
    }
    const double rss_mb = peak_rss_mb();
    const double arena_mb = static_cast<double>(predictor.encoder_arena_bytes()) / (1 << 20);

    std::vector<double> encode, decode, decode_batch, core, core_batch;
    for (int r = 0; r < runs; ++r)
      encode.push_back(time_ms([&] { predictor.set_image(image.rgb.data(), image.height, image.width); }));
    for (int r = 0; r < runs; ++r) decode.push_back(time_ms([&] { predictor.predict(point); }));
    for (int r = 0; r < runs; ++r)
      decode_batch.push_back(time_ms([&] { predictor.predict_batch(prompts); }) / batch);
    // The decoder alone (prompt encoder + mask decoder to the low-res logits), without the masks' upscaling
    // to the image: what PyTorch's decoder_core times.
    for (int r = 0; r < runs; ++r) core.push_back(time_ms([&] { predictor.predict(point, false); }));
    for (int r = 0; r < runs; ++r)
      core_batch.push_back(time_ms([&] { predictor.predict_batch(prompts, false); }) / batch);

    // Profiled passes: where each millisecond goes, each call at its fastest of profile_runs passes.
    const auto fastest_calls_of = [&](auto pass) {
      std::vector<std::vector<profiler::Record>> passes;
      for (int r = 0; r < profile_runs; ++r) {
        profiler::clear();
        profiler::set_enabled(true);
        pass();
        profiler::set_enabled(false);
        passes.push_back(profiler::records());
      }
      return profiler::fastest_calls(passes);
    };
    const double peak = measure_fma_peak_gflops(active_isa(), num_threads());
    const auto encoder_calls =
        fastest_calls_of([&] { predictor.set_image(image.rgb.data(), image.height, image.width); });
    if (const auto trace = args.get("--trace")) profiler::write_chrome_trace(*trace);
    const auto ops = profiler::summarize(encoder_calls);
    const std::string encoder_report = profiler::report(encoder_calls, peak);
    double total_ms = 0, flops = 0;
    for (const auto& s : ops) total_ms += s.total_ms, flops += s.flops;
    // The largest share of encoder time taken by an op type that is not a matrix product (GEMM, conv,
    // fused attention, and the fused blocks built of them): norms, activations, layout shuffles, depthwise
    // convs, resizes.
    constexpr std::string_view kMatrixProducts[] = {"gemm", "conv", "conv_winograd", "attention",
                                                    "window_attention", "bottleneck", "mlp"};
    const profiler::OpSummary* largest_other = nullptr;
    for (const auto& s : ops)
      if (std::find(std::begin(kMatrixProducts), std::end(kMatrixProducts), s.op) == std::end(kMatrixProducts) &&
          (!largest_other || s.total_ms > largest_other->total_ms))
        largest_other = &s;
    const std::string other_op = largest_other ? largest_other->op : "none";
    const double other_share = largest_other && total_ms > 0 ? 100 * largest_other->total_ms / total_ms : 0;

    // And single-prompt decodes, post-processing included, after a first prompt has built the image's
    // decoder cache (a once-per-image cost, as the timed decodes see it).
    predictor.predict(point);
    const auto decoder_calls = fastest_calls_of([&] { predictor.predict(point); });
    if (const auto trace = args.get("--decoder-trace")) profiler::write_chrome_trace(*trace);
    double decoder_profiled_ms = 0;
    for (const auto& s : profiler::summarize(decoder_calls)) decoder_profiled_ms += s.total_ms;
    const auto batch_calls = fastest_calls_of([&] { predictor.predict_batch(prompts); });
    double batch_profiled_ms = 0;
    for (const auto& s : profiler::summarize(batch_calls)) batch_profiled_ms += s.total_ms;
    const double enc_ms = median(encode);
    const double enc_gflops = flops / (enc_ms * 1e6);

    if (args.has("--json")) {
      std::printf(
          "{\"isa\":\"%s\",\"threads\":%d,\"load_ms\":%.3f,\"encoder_ms\":%.3f,\"decoder_ms\":%.3f,"
          "\"decoder_batch%d_ms_per_prompt\":%.3f,\"decoder_core_ms\":%.3f,\"decoder_core_batch%d_ms_per_prompt\":%.3f,\"encoder_gflop\":%.3f,\"encoder_gflops\":%.2f,\"peak_gflops\":%.2f,"
          "\"peak_rss_mb\":%.1f,\"encoder_arena_mb\":%.1f,\"largest_non_matmul_op\":\"%s\","
          "\"largest_non_matmul_share_pct\":%.1f}\n",
          isa_name(active_isa()), num_threads(), loaded.load_ms, enc_ms, median(decode), batch, median(decode_batch),
          median(core), batch, median(core_batch), flops * 1e-9, enc_gflops, peak, rss_mb, arena_mb, other_op.c_str(), other_share);
    } else {
      std::printf("isa %s, %d threads, image %lldx%lld, %d runs (medians)\n", isa_name(active_isa()), num_threads(),
                  static_cast<long long>(image.width), static_cast<long long>(image.height), runs);
      std::printf("load            %9.2f ms\n", loaded.load_ms);
      std::printf("encoder         %9.2f ms  (%.1f GFLOP, %.1f GFLOP/s, %.0f%% of the %.0f GFLOP/s FMA peak)\n", enc_ms,
                  flops * 1e-9, enc_gflops, 100 * enc_gflops / peak, peak);
      std::printf("decoder         %9.2f ms per prompt (single)\n", median(decode));
      std::printf("decoder x%-3d    %9.2f ms per prompt (batched)\n", batch, median(decode_batch));
      std::printf("decoder core    %9.2f ms per prompt (single), %.2f batched: low-res logits, no upscaling\n",
                  median(core), median(core_batch));
      std::printf("peak RSS        %9.1f MB (load + one encode + one decode)\n", rss_mb);
      std::printf("encoder arena   %9.1f MB (planned, activations of one pass)\n", arena_mb);
      std::printf("largest non-matmul op type in the encoder: %s, %.1f%% of its time\n\n", other_op.c_str(),
                  other_share);
      std::printf("encoder profile (fastest of %d runs per call, %.1f ms in kernels):\n%s\n", profile_runs, total_ms,
                  encoder_report.c_str());
      std::printf("decoder profile (one prompt, fastest of %d runs per call, %.1f ms in kernels):\n%s", profile_runs,
                  decoder_profiled_ms, profiler::report(decoder_calls, peak).c_str());
      std::printf("\ndecoder profile (%d batched prompts, fastest of %d runs per call, %.1f ms in kernels, %.2f a prompt):\n%s",
                  batch, profile_runs, batch_profiled_ms, batch_profiled_ms / batch, profiler::report(batch_calls, peak).c_str());
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "lsam_bench_mobile_sam: %s\n", e.what());
    return 1;
  }
  return 0;
}
