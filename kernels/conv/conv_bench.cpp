// Conv2d and ConvTranspose2x2 at MobileSAM's and YOLOv8's shapes, oneDNN's convolution beside each (NHWC
// activations as the engine keeps them, weights in oneDNN's preferred layout, primitive built outside the loop).
// Depthwise convs are bandwidth-bound: judge them by GB/s, the rest by GFLOP/s and % of the FMA peak.
//   lsam_kernel_bench --benchmark_filter='^conv' --benchmark_counters_tabular=true
#include <benchmark/benchmark.h>

#include <random>
#include <string>
#include <vector>

#include "engine/cpu.h"
#include "engine/threads.h"
#include "kernels/conv/conv.h"
#include "kernels/peak/peak.h"

#ifdef LSAM_HAVE_DNNL
#include <oneapi/dnnl/dnnl.hpp>
#endif

namespace lsam {
namespace {

double peak_gflops() {
  static const double peak = measure_fma_peak_gflops(active_isa(), num_threads());
  return peak;
}

std::vector<float> random_vector(int64_t n, float scale = 1.0f) {
  std::mt19937 rng(42);
  std::uniform_real_distribution<float> dist(-scale, scale);
  std::vector<float> v(static_cast<size_t>(n));
  for (float& x : v) x = dist(rng);
  return v;
}

struct ConvShape {
  const char* name;
  Conv2dParams p;
  int64_t h, w;
  Activation act;
  bool residual;
};

// Square kernels, padding k / 2.
constexpr Conv2dParams conv(int64_t cin, int64_t cout, int64_t k, int64_t stride, int64_t groups = 1) {
  return {cin, cout, k, k, stride, stride, k / 2, k / 2, groups};
}
constexpr Conv2dParams depthwise(int64_t c, int64_t stride) { return conv(c, c, 3, stride, c); }

const ConvShape kShapes[] = {
    // TinyViT-5M (MobileSAM's encoder) at 1024 x 1024.
    {"stem1_3to32_k3s2_1024", conv(3, 32, 3, 2), 1024, 1024, Activation::gelu, false},
    {"stem2_32to64_k3s2_512", conv(32, 64, 3, 2), 512, 512, Activation::none, false},
    {"mbconv_1x1_64to256_256", conv(64, 256, 1, 1), 256, 256, Activation::gelu, false},
    {"mbconv_dw256_256", depthwise(256, 1), 256, 256, Activation::gelu, false},
    {"mbconv_1x1_256to64_256", conv(256, 64, 1, 1), 256, 256, Activation::none, true},
    {"merge1_1x1_64to128_256", conv(64, 128, 1, 1), 256, 256, Activation::gelu, false},
    {"merge1_dw128_s2_256", depthwise(128, 2), 256, 256, Activation::gelu, false},
    {"merge1_1x1_128to128_128", conv(128, 128, 1, 1), 128, 128, Activation::none, false},
    {"merge2_dw160_s2_128", depthwise(160, 2), 128, 128, Activation::gelu, false},
    {"local_dw128_128", depthwise(128, 1), 128, 128, Activation::none, false},
    {"local_dw160_64", depthwise(160, 1), 64, 64, Activation::none, false},
    {"local_dw320_64", depthwise(320, 1), 64, 64, Activation::none, false},
    {"neck_1x1_320to256_64", conv(320, 256, 1, 1), 64, 64, Activation::none, false},
    {"neck_3x3_256to256_64", conv(256, 256, 3, 1), 64, 64, Activation::none, false},
    // YOLOv8's 3x3 convs (SiLU).
    {"yolo_3x3_64to64_160", conv(64, 64, 3, 1), 160, 160, Activation::silu, false},
    {"yolo_3x3_128to128_80", conv(128, 128, 3, 1), 80, 80, Activation::silu, false},
    {"yolo_3x3_256to256_s2_80", conv(256, 256, 3, 2), 80, 80, Activation::silu, false},
};

bool is_depthwise(const Conv2dParams& p) { return p.groups > 1 && p.groups == p.in_channels; }

struct Work {
  double flops, bytes;
};

Work work(const ConvShape& s) {
  const Conv2dParams& p = s.p;
  const int64_t oh = (s.h + 2 * p.pad_h - p.kernel_h) / p.stride_h + 1,
                ow = (s.w + 2 * p.pad_w - p.kernel_w) / p.stride_w + 1;
  const double out = static_cast<double>(oh * ow * p.out_channels);
  const double weights = static_cast<double>(p.out_channels * p.in_channels / p.groups * p.kernel_h * p.kernel_w);
  return {2 * out * weights / p.out_channels,
          4 * (static_cast<double>(s.h * s.w * p.in_channels) + out * (s.residual ? 2 : 1) + weights)};
}

// Runs `body` in the benchmark loop; GFLOP/s, % of the FMA peak measured on this machine, and GB/s of the
// compulsory traffic (input, output, residual, weights once).
template <class F>
void run_timed(benchmark::State& state, Work w, F body) {
  const double peak = peak_gflops();
  body();  // warm caches and any lazily built state
  for (auto _ : state) body();
  state.counters["GFLOP/s"] = benchmark::Counter(w.flops * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["peak%"] =
      benchmark::Counter(100 * w.flops * 1e-9 / peak, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["GB/s"] = benchmark::Counter(w.bytes * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

Conv2d make_conv(const ConvShape& s, ConvAlgorithm algorithm) {
  const Conv2dParams& p = s.p;
  return Conv2d(p, random_vector(p.out_channels * p.in_channels / p.groups * p.kernel_h * p.kernel_w, 0.1f).data(),
                random_vector(p.out_channels).data(), s.act, active_isa(), algorithm);
}

// GFLOP/s counts the direct sum's FLOPs whatever the path, so the paths compare at equal work: Winograd's
// fewer multiplies can take it past 100% of the peak.
void bench_conv(benchmark::State& state, const ConvShape& s, ConvAlgorithm algorithm) {
  const Conv2dParams& p = s.p;
  const Conv2d op = make_conv(s, algorithm);
  const std::vector<float> in = random_vector(s.h * s.w * p.in_channels);
  const int64_t out_n = op.out_h(s.h) * op.out_w(s.w) * p.out_channels;
  const std::vector<float> residual = random_vector(s.residual ? out_n : 0);
  std::vector<float> out(static_cast<size_t>(out_n));
  run_timed(state, work(s),
            [&] { op.run(in.data(), 1, s.h, s.w, out.data(), s.residual ? residual.data() : nullptr); });
}

struct TransposeShape {
  const char* name;
  int64_t cin, cout, h, w;
};

// SAM's mask decoder upscaler: ConvTranspose2d(256, 64, 2, 2), then (64, 32, 2, 2).
const TransposeShape kTransposeShapes[] = {{"upscale1_256to64_64", 256, 64, 64, 64},
                                           {"upscale2_64to32_128", 64, 32, 128, 128}};

Work work(const TransposeShape& s) {
  const double pixels = static_cast<double>(s.h * s.w), weights = static_cast<double>(s.cin * s.cout * 4);
  return {2 * pixels * weights, 4 * (pixels * (s.cin + 4 * s.cout) + weights)};
}

void bench_transpose(benchmark::State& state, const TransposeShape& s) {
  const ConvTranspose2x2 op(s.cin, s.cout, random_vector(s.cin * s.cout * 4, 0.1f).data(),
                            random_vector(s.cout).data());
  const std::vector<float> in = random_vector(s.h * s.w * s.cin);
  std::vector<float> out(static_cast<size_t>(4 * s.h * s.w * s.cout));
  run_timed(state, work(s), [&] { op.run(in.data(), 1, s.h, s.w, out.data()); });
}

#ifdef LSAM_HAVE_DNNL
using dnnl::memory;

dnnl::algorithm dnnl_eltwise(Activation a) {
  switch (a) {
    case Activation::relu: return dnnl::algorithm::eltwise_relu;
    case Activation::gelu: return dnnl::algorithm::eltwise_gelu_erf;
    case Activation::silu: return dnnl::algorithm::eltwise_swish;
    case Activation::none: break;
  }
  return dnnl::algorithm::undef;
}

// Activation and residual as post-ops, the same fusion our epilogue does.
dnnl::primitive_attr dnnl_attr(Activation act, bool residual) {
  dnnl::post_ops ops;
  if (act != Activation::none) ops.append_eltwise(1.0f, dnnl_eltwise(act), act == Activation::silu ? 1.0f : 0.0f, 0.0f);
  if (residual) ops.append_sum(1.0f);
  dnnl::primitive_attr attr;
  attr.set_post_ops(ops);
  return attr;
}

// Runs a forward primitive whose weights are reordered once from `plain` into the layout it asked for.
void run_dnnl(benchmark::State& state, Work w, const dnnl::engine& engine, const dnnl::primitive& prim,
              const memory::desc& src_md, const memory::desc& weights_md, const memory::desc& bias_md,
              const memory::desc& dst_md, const memory::desc& plain_weights_md, const std::string& impl) {
  dnnl::stream stream(engine);
  const auto numel = [](const memory::desc& md) { return static_cast<int64_t>(md.get_size() / sizeof(float)); };
  std::vector<float> src = random_vector(numel(src_md)), plain = random_vector(numel(plain_weights_md), 0.1f);
  std::vector<float> bias = random_vector(numel(bias_md)), dst = random_vector(numel(dst_md));
  memory src_m(src_md, engine, src.data()), bias_m(bias_md, engine, bias.data()), dst_m(dst_md, engine, dst.data());
  memory plain_m(plain_weights_md, engine, plain.data()), weights_m(weights_md, engine);
  dnnl::reorder(plain_m, weights_m).execute(stream, plain_m, weights_m);
  state.SetLabel(impl);
  run_timed(state, w, [&] {
    prim.execute(
        stream, {{DNNL_ARG_SRC, src_m}, {DNNL_ARG_WEIGHTS, weights_m}, {DNNL_ARG_BIAS, bias_m}, {DNNL_ARG_DST, dst_m}});
    stream.wait();
  });
}

void bench_dnnl_conv(benchmark::State& state, const ConvShape& s) {
  const Conv2dParams& p = s.p;
  const int64_t oh = (s.h + 2 * p.pad_h - p.kernel_h) / p.stride_h + 1,
                ow = (s.w + 2 * p.pad_w - p.kernel_w) / p.stride_w + 1;
  const auto f32 = memory::data_type::f32;
  const memory::desc src({1, p.in_channels, s.h, s.w}, f32, memory::format_tag::nhwc);
  const memory::desc dst({1, p.out_channels, oh, ow}, f32, memory::format_tag::nhwc);
  const memory::desc bias({p.out_channels}, f32, memory::format_tag::x);
  const memory::dims wdims = p.groups == 1 ? memory::dims{p.out_channels, p.in_channels, p.kernel_h, p.kernel_w}
                                           : memory::dims{p.groups, p.out_channels / p.groups, p.in_channels / p.groups,
                                                          p.kernel_h, p.kernel_w};
  const memory::desc weights_any(wdims, f32, memory::format_tag::any);
  const memory::desc weights_plain(wdims, f32, p.groups == 1 ? memory::format_tag::oihw : memory::format_tag::goihw);
  dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  const dnnl::convolution_forward::desc desc(dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct,
                                             src, weights_any, bias, dst, {p.stride_h, p.stride_w}, {p.pad_h, p.pad_w},
                                             {p.pad_h, p.pad_w});
  const dnnl::convolution_forward::primitive_desc pd(desc, dnnl_attr(s.act, s.residual), engine);
  run_dnnl(state, work(s), engine, dnnl::convolution_forward(pd), src, pd.weights_desc(), bias, dst, weights_plain,
           pd.impl_info_str());
}

void bench_dnnl_transpose(benchmark::State& state, const TransposeShape& s) {
  const auto f32 = memory::data_type::f32;
  const memory::desc src({1, s.cin, s.h, s.w}, f32, memory::format_tag::nhwc);
  const memory::desc dst({1, s.cout, 2 * s.h, 2 * s.w}, f32, memory::format_tag::nhwc);
  const memory::desc bias({s.cout}, f32, memory::format_tag::x);
  const memory::desc weights_any({s.cout, s.cin, 2, 2}, f32, memory::format_tag::any);
  const memory::desc weights_plain({s.cout, s.cin, 2, 2}, f32,
                                   memory::format_tag::iohw);  // PyTorch's [in, out, kh, kw]
  dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  const dnnl::deconvolution_forward::desc desc(dnnl::prop_kind::forward_inference,
                                               dnnl::algorithm::deconvolution_direct, src, weights_any, bias, dst,
                                               {2, 2}, {0, 0}, {0, 0});
  const dnnl::deconvolution_forward::primitive_desc pd(desc, engine);
  run_dnnl(state, work(s), engine, dnnl::deconvolution_forward(pd), src, pd.weights_desc(), bias, dst, weights_plain,
           pd.impl_info_str());
}
#endif

void configure(benchmark::internal::Benchmark* b) { b->Unit(benchmark::kMillisecond)->MinTime(0.2)->UseRealTime(); }

const bool registered = [] {
  for (const ConvShape& s : kShapes) {
    configure(benchmark::RegisterBenchmark((std::string(is_depthwise(s.p) ? "conv_dw/" : "conv/") + s.name).c_str(),
                                           bench_conv, s, ConvAlgorithm::fast));
    // The direct sum beside the shapes where the fast path is Winograd.
    if (std::string(make_conv(s, ConvAlgorithm::fast).path_name()) == "winograd")
      configure(benchmark::RegisterBenchmark((std::string("conv_direct/") + s.name).c_str(), bench_conv, s,
                                             ConvAlgorithm::direct));
#ifdef LSAM_HAVE_DNNL
    configure(benchmark::RegisterBenchmark(
        (std::string(is_depthwise(s.p) ? "conv_dw_dnnl/" : "conv_dnnl/") + s.name).c_str(), bench_dnnl_conv, s));
#endif
  }
  for (const TransposeShape& s : kTransposeShapes) {
    configure(benchmark::RegisterBenchmark((std::string("conv_transpose/") + s.name).c_str(), bench_transpose, s));
#ifdef LSAM_HAVE_DNNL
    configure(
        benchmark::RegisterBenchmark((std::string("conv_transpose_dnnl/") + s.name).c_str(), bench_dnnl_transpose, s));
#endif
  }
  return true;
}();

}  // namespace
}  // namespace lsam
