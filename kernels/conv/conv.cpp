// Conv2d: path selection and weight re-layout at construction, threading and indirection at run time.
#include "kernels/conv/conv.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/memory.h"
#include "engine/profiler.h"
#include "engine/tensor.h"
#include "engine/threads.h"
#include "kernels/conv/conv_kernels.h"

namespace lsam {
namespace {

// Zero-filled, 64-byte aligned: packed panels then start on a cache line.
std::shared_ptr<float> aligned_zeros(int64_t n) {
  const size_t bytes = static_cast<size_t>(std::max<int64_t>(n, 1)) * sizeof(float);
  auto* p = static_cast<float*>(aligned_malloc(bytes));
  std::memset(p, 0, bytes);
  return std::shared_ptr<float>(p, aligned_free);
}

// The first n floats of src (none when src is null), then zeros up to `size`, 64-byte aligned.
std::shared_ptr<float> zero_padded(const float* src, int64_t n, int64_t size) {
  std::shared_ptr<float> p = aligned_zeros(size);
  if (src) std::memcpy(p.get(), src, static_cast<size_t>(n) * sizeof(float));
  return p;
}

int64_t round_up(int64_t x, int64_t m) { return (x + m - 1) / m * m; }

struct IgemmKernel {
  Isa isa;
  int mr, nr;
  void (*run)(const ConvIgemmArgs&);
};

constexpr IgemmKernel kIgemmKernels[] = {
    {Isa::scalar, 4, 8, conv_igemm_f32_ref_4x8},
    {Isa::avx2, 6, 16, conv_igemm_f32_avx2_6x16},
    {Isa::avx512, 12, 32, conv_igemm_f32_avx512_12x32},
};

const IgemmKernel& igemm_kernel(Isa isa) {
  for (const IgemmKernel& k : kIgemmKernels)
    if (k.isa == isa) return k;
  throw std::logic_error("conv: no igemm kernel for this ISA");
}

using DepthwiseKernel = void (*)(const DepthwiseRowArgs&);

DepthwiseKernel depthwise_kernel(Isa isa) {
  switch (isa) {
    case Isa::scalar: return depthwise3x3_row_f32_ref;
    case Isa::avx2: return depthwise3x3_row_f32_avx2;
    case Isa::avx512: return depthwise3x3_row_f32_avx512;
  }
  throw std::logic_error("conv: no depthwise kernel for this ISA");
}

struct WinogradKernels {
  void (*input)(const WinogradInputArgs&);
  void (*output)(const WinogradOutputArgs&);
};

WinogradKernels winograd_kernels(Isa isa) {
  switch (isa) {
    case Isa::scalar: return {winograd_input_f32_ref, winograd_output_f32_ref};
    case Isa::avx2: return {winograd_input_f32_avx2, winograd_output_f32_avx2};
    case Isa::avx512: return {winograd_input_f32_avx512, winograd_output_f32_avx512};
  }
  throw std::logic_error("conv: no Winograd transforms for this ISA");
}

// F(4x4, 3x3)'s weight transform G (the kernel's 3 taps to the 6 interpolation points), applied once, in
// double, at construction.
constexpr double kWinogradG[6][3] = {{1.0 / 4, 0, 0},           {-1.0 / 6, -1.0 / 6, -1.0 / 6},
                                     {-1.0 / 6, 1.0 / 6, -1.0 / 6}, {1.0 / 24, 1.0 / 12, 1.0 / 6},
                                     {1.0 / 24, -1.0 / 12, 1.0 / 6}, {0, 0, 1}};

// Below this many channels on either side the transforms cost more than the multiplies they save.
constexpr int64_t kWinogradMinChannels = 16;

// F(4x4, 3x3) output tiles along a side of n output pixels.
int64_t winograd_tiles(int64_t n) { return (n + kWinogradOutput - 1) / kWinogradOutput; }

bool winograd_applies(const Conv2dParams& p) {
  return p.kernel_h == 3 && p.kernel_w == 3 && p.stride_h == 1 && p.stride_w == 1 && p.pad_h == 1 && p.pad_w == 1 &&
         p.groups == 1 && p.in_channels >= kWinogradMinChannels && p.out_channels >= kWinogradMinChannels;
}

// Depthwise weights and bias are padded to this many channels: one AVX-512 vector, so every variant loads
// whole vectors of them.
constexpr int64_t kDepthwiseChannelPad = 16;

// Output tiles per indirection buffer: a few KB of pointers per thread, rebuilt for every block.
constexpr int64_t kIgemmBlockTiles = 32;

void check_params(const Conv2dParams& p) {
  const bool ok = p.in_channels > 0 && p.out_channels > 0 && p.kernel_h > 0 && p.kernel_w > 0 && p.stride_h > 0 &&
                  p.stride_w > 0 && p.pad_h >= 0 && p.pad_w >= 0 && p.groups > 0 && p.in_channels % p.groups == 0 &&
                  p.out_channels % p.groups == 0;
  if (!ok)
    throw std::invalid_argument("Conv2d: bad params in=" + std::to_string(p.in_channels) +
                                " out=" + std::to_string(p.out_channels) + " kernel=" + std::to_string(p.kernel_h) +
                                "x" + std::to_string(p.kernel_w) + " stride=" + std::to_string(p.stride_h) + "x" +
                                std::to_string(p.stride_w) + " pad=" + std::to_string(p.pad_h) + "x" +
                                std::to_string(p.pad_w) + " groups=" + std::to_string(p.groups));
}

// Without groups, the kw taps of one kernel row are kw * in_c consecutive floats of an NHWC row, so the
// indirection can hold one pointer per kernel row instead of per tap: kw times fewer pointers to chase and
// kw times longer runs for the microkernel's inner loop (the Cin = 3 stem goes from runs of 3 to 9).
// The packed weight order (tap-major, then channel) is the same either way.
bool merges_kernel_rows(const Conv2dParams& p) { return p.groups == 1; }

struct IgemmGeometry {
  const float* in;
  const float* zero;
  int64_t h, w, out_h, out_w;
  Conv2dParams p;
  bool merge_rows;
};

// Pointers for output pixels [p0, p0 + count) of the flattened [batch, out_h, out_w], laid out as
// ConvIgemmArgs::indirection wants; pixels from p0 + rows on are tile padding and read zeros. A merged row
// run that crosses the left or right border is copied into `patches` with zeros for the padding: im2col,
// but only for the border pixels.
void fill_indirection(const IgemmGeometry& g, int mr, int64_t p0, int64_t rows, int64_t count, const float** ind,
                      std::vector<float>& patches) {
  // Locals, not g's fields: every store into the pointer table could alias those, and would force reloads.
  const float* const in = g.in;
  const float* const zero = g.zero;
  const int64_t C = g.p.in_channels, kh = g.p.kernel_h, kw = g.p.kernel_w, h = g.h, w = g.w;
  const int64_t sh = g.p.stride_h, sw = g.p.stride_w, ph = g.p.pad_h, pw = g.p.pad_w;
  const int64_t out_h = g.out_h, out_w = g.out_w;
  const bool merge = g.merge_rows;
  const int64_t runs = merge ? kh : kh * kw;
  const auto crosses_border = [&](int64_t ix0) { return ix0 < 0 || ix0 + kw > w; };
  // Coordinates advance incrementally: a division per pixel would cost as much as the stem conv's math.
  const int64_t x0 = p0 % out_w, y0 = p0 / out_w % out_h, n0 = p0 / (out_w * out_h);
  if (merge) {
    int64_t border = 0;
    for (int64_t i = 0, x = x0; i < rows; ++i, x = x + 1 == out_w ? 0 : x + 1) border += crosses_border(x * sw - pw);
    patches.resize(std::max(patches.size(), static_cast<size_t>(border * runs * kw * C)));
  }
  float* patch = patches.data();
  for (int64_t i = 0, n = n0, y = y0, x = x0, r = 0; i < count; ++i) {
    const float** slots = ind + r;  // pixel i's slot s is at slots[s * mr]
    if (++r == mr) {
      r = 0;
      ind += runs * mr;
    }
    const int64_t ix0 = x * sw - pw, iy0 = y * sh - ph;
    if (i < rows && iy0 >= 0 && iy0 + kh <= h && ix0 >= 0 && ix0 + kw <= w) {
      // Every tap inside the image, the common case, kept tight.
      const float* row = in + ((n * h + iy0) * w + ix0) * C;
      for (int64_t ky = 0; ky < kh; ++ky, row += w * C) {
        if (merge) {
          slots[ky * mr] = row;
        } else {
          for (int64_t kx = 0; kx < kw; ++kx) slots[(ky * kw + kx) * mr] = row + kx * C;
        }
      }
    } else {
      for (int64_t ky = 0, iy = iy0; ky < kh; ++ky, ++iy) {
        const bool row_inside = i < rows && iy >= 0 && iy < h;
        const float* in_row = row_inside ? in + (n * h + iy) * w * C : nullptr;
        if (!merge) {
          for (int64_t kx = 0; kx < kw; ++kx) {
            const bool inside = row_inside && ix0 + kx >= 0 && ix0 + kx < w;
            slots[(ky * kw + kx) * mr] = inside ? in_row + (ix0 + kx) * C : zero;
          }
        } else if (!row_inside) {
          slots[ky * mr] = zero;
        } else if (!crosses_border(ix0)) {
          slots[ky * mr] = in_row + ix0 * C;
        } else {
          for (int64_t kx = 0; kx < kw; ++kx) {
            const bool inside = ix0 + kx >= 0 && ix0 + kx < w;
            if (inside) std::memcpy(patch + kx * C, in_row + (ix0 + kx) * C, C * sizeof(float));
            if (!inside) std::memset(patch + kx * C, 0, C * sizeof(float));
          }
          slots[ky * mr] = patch;
          patch += kw * C;
        }
      }
    }
    if (++x == out_w) {
      x = 0;
      if (++y == out_h) {
        y = 0;
        ++n;
      }
    }
  }
}

}  // namespace

Conv2d::Conv2d(const Conv2dParams& p, const float* weight, const float* bias, Activation activation, Isa isa,
               ConvAlgorithm algorithm)
    : p_(p), activation_(activation), isa_(isa) {
  check_params(p);
  if (!isa_supported(isa)) throw std::invalid_argument(std::string("Conv2d: this CPU cannot run ") + isa_name(isa));
  const int64_t cin_g = p.in_channels / p.groups, cout_g = p.out_channels / p.groups;
  const int64_t taps = p.kernel_h * p.kernel_w;
  if (taps == 1 && p.stride_h == 1 && p.stride_w == 1 && p.pad_h == 0 && p.pad_w == 0 && p.groups == 1) {
    path_ = Path::gemm;
    // The weight [out_c, in_c] is B^T of out[pixels, out_c] = in[pixels, in_c] * B.
    gemm_weight_ = PackedB::pack(weight, p.in_channels, p.out_channels, p.in_channels, true, isa);
    if (bias) bias_ = zero_padded(bias, p.out_channels, p.out_channels);
  } else if (p.groups == p.in_channels && p.groups == p.out_channels && p.kernel_h == 3 && p.kernel_w == 3 &&
             p.pad_h == 1 && p.pad_w == 1 && p.stride_h == p.stride_w && (p.stride_h == 1 || p.stride_h == 2)) {
    path_ = Path::depthwise;
    const int64_t C = p.in_channels, ldw = round_up(C, kDepthwiseChannelPad);
    weight_ = aligned_zeros(9 * ldw);
    bias_ = zero_padded(bias, C, ldw);
    for (int64_t c = 0; c < C; ++c)
      for (int64_t t = 0; t < 9; ++t) weight_.get()[t * ldw + c] = weight[c * 9 + t];
  } else if (algorithm == ConvAlgorithm::fast && winograd_applies(p)) {
    path_ = Path::winograd;
    // U = G g G^T per (out, in) channel pair, gathered into one [in_c, out_c] matrix per point xi.
    const int64_t cin = p.in_channels, cout = p.out_channels;
    std::vector<float> u(static_cast<size_t>(kWinogradPoints * cin * cout));
    for (int64_t co = 0; co < cout; ++co)
      for (int64_t ci = 0; ci < cin; ++ci) {
        const float* g = weight + (co * cin + ci) * 9;
        double gg[6][3];  // G g
        for (int i = 0; i < 6; ++i)
          for (int k = 0; k < 3; ++k)
            gg[i][k] = kWinogradG[i][0] * g[k] + kWinogradG[i][1] * g[3 + k] + kWinogradG[i][2] * g[6 + k];
        for (int i = 0; i < 6; ++i)
          for (int j = 0; j < 6; ++j)
            u[static_cast<size_t>(((i * 6 + j) * cin + ci) * cout + co)] = static_cast<float>(
                gg[i][0] * kWinogradG[j][0] + gg[i][1] * kWinogradG[j][1] + gg[i][2] * kWinogradG[j][2]);
      }
    for (int xi = 0; xi < kWinogradPoints; ++xi)
      winograd_weight_.push_back(PackedB::pack(u.data() + xi * cin * cout, cin, cout, cout, false, isa));
    bias_ = zero_padded(bias, cout, cout);
    zero_ = aligned_zeros(cin);
  } else {
    path_ = Path::igemm;
    const IgemmKernel& k = igemm_kernel(isa);
    mr_ = k.mr;
    nr_ = k.nr;
    // [group][panel][tap][cin_g][nr] from PyTorch's [out_c][cin_g][kh][kw]; columns past cout_g stay zero.
    const int64_t panels = (cout_g + nr_ - 1) / nr_;
    weight_ = aligned_zeros(p.groups * panels * taps * cin_g * nr_);
    bias_ = aligned_zeros(p.groups * panels * nr_);
    for (int64_t g = 0; g < p.groups; ++g)
      for (int64_t co = 0; co < cout_g; ++co) {
        const int64_t oc = g * cout_g + co;
        float* panel = weight_.get() + (g * panels + co / nr_) * taps * cin_g * nr_ + co % nr_;
        for (int64_t t = 0; t < taps; ++t)
          for (int64_t ci = 0; ci < cin_g; ++ci) panel[(t * cin_g + ci) * nr_] = weight[(oc * cin_g + ci) * taps + t];
        if (bias) bias_.get()[g * panels * nr_ + co] = bias[oc];
      }
    zero_ = aligned_zeros(merges_kernel_rows(p) ? p.kernel_w * cin_g : cin_g);
  }
}

int64_t Conv2d::out_h(int64_t h) const { return (h + 2 * p_.pad_h - p_.kernel_h) / p_.stride_h + 1; }
int64_t Conv2d::out_w(int64_t w) const { return (w + 2 * p_.pad_w - p_.kernel_w) / p_.stride_w + 1; }
const Conv2dParams& Conv2d::params() const { return p_; }

const char* Conv2d::path_name() const {
  switch (path_) {
    case Path::gemm: return "gemm";
    case Path::depthwise: return "depthwise";
    case Path::igemm: return "igemm";
    case Path::winograd: return "winograd";
  }
  return "?";
}

void Conv2d::run(const float* in, int64_t batch, int64_t h, int64_t w, float* out, const float* residual) const {
  const int64_t oh = out_h(h), ow = out_w(w);
  if (batch <= 0 || h <= 0 || w <= 0 || oh <= 0 || ow <= 0)
    throw std::invalid_argument("Conv2d::run: input " + std::to_string(batch) + "x" + std::to_string(h) + "x" +
                                std::to_string(w) + " too small for a " + std::to_string(p_.kernel_h) + "x" +
                                std::to_string(p_.kernel_w) + " kernel");
  const double out_elems = static_cast<double>(batch * oh * ow * p_.out_channels);
  const double tiles = static_cast<double>(batch * winograd_tiles(oh) * winograd_tiles(ow));
  // The arithmetic done: Winograd's 36 products a tile and its transforms (240 FLOPs a tile and input channel,
  // 146 a tile and output channel), not the 9-tap sum it replaces.
  const double flops = path_ == Path::winograd
                           ? tiles * (2.0 * kWinogradPoints * p_.in_channels * p_.out_channels +
                                      240.0 * p_.in_channels + 146.0 * p_.out_channels)
                           : 2.0 * out_elems * (p_.in_channels / p_.groups) * p_.kernel_h * p_.kernel_w;
  const double bytes =
      4.0 * (static_cast<double>(batch * h * w * p_.in_channels) + out_elems * (residual ? 2 : 1) +
             static_cast<double>(p_.out_channels * (p_.in_channels / p_.groups) * p_.kernel_h * p_.kernel_w));
  LSAM_PROFILE(path_ == Path::depthwise ? "conv_dw" : path_ == Path::winograd ? "conv_winograd" : "conv", flops, bytes);
  switch (path_) {
    case Path::gemm: {
      GemmEpilogue epilogue;
      epilogue.bias = bias_.get();
      epilogue.activation = activation_;
      epilogue.residual = residual;
      epilogue.ldr = p_.out_channels;
      gemm_f32(batch * h * w, in, p_.in_channels, gemm_weight_, out, p_.out_channels, epilogue);
      break;
    }
    case Path::depthwise: run_depthwise(in, batch, h, w, out, residual); break;
    case Path::igemm: run_igemm(in, batch, h, w, out, residual); break;
    case Path::winograd: run_winograd(in, batch, h, w, out, residual); break;
  }
}

DepthwiseRowArgs Conv2d::depthwise_row_args(int64_t in_w) const {
  DepthwiseRowArgs a{};
  a.in_w = in_w;
  a.channels = p_.in_channels;
  a.stride = p_.stride_h;
  a.weights = weight_.get();
  a.ldw = round_up(p_.in_channels, kDepthwiseChannelPad);
  a.bias = bias_.get();
  a.activation = activation_;
  return a;
}

void Conv2d::run_depthwise(const float* in, int64_t batch, int64_t h, int64_t w, float* out,
                           const float* residual) const {
  const std::vector<float> zero_row(static_cast<size_t>(w * p_.in_channels), 0.0f);
  const DepthwiseKernel kernel = depthwise_kernel(isa_);
  const int64_t oh = out_h(h), ow = out_w(w), C = p_.in_channels, rows = batch * oh;
  DepthwiseRowArgs proto = depthwise_row_args(w);
  proto.col_begin = 0;
  proto.col_end = ow;
  parallel_claim(rows, [&](const auto& next) {
    DepthwiseRowArgs a = proto;
    for (int64_t r; (r = next()) >= 0;) {
      const int64_t b = r / oh, oy = r % oh;
      for (int ky = 0; ky < 3; ++ky) {
        const int64_t iy = oy * p_.stride_h - 1 + ky;
        a.in[ky] = iy >= 0 && iy < h ? in + (b * h + iy) * w * C : zero_row.data();
      }
      a.out = out + r * ow * C;
      a.residual = residual ? residual + r * ow * C : nullptr;
      kernel(a);
    }
  });
}

void Conv2d::run_depthwise_row(const float* const in[3], int64_t in_w, int64_t col_begin, int64_t col_end,
                               float* out, const float* residual) const {
  if (path_ != Path::depthwise) throw std::logic_error("Conv2d::run_depthwise_row: not a depthwise 3x3 conv");
  if (col_begin < 0 || col_begin > col_end || col_end > out_w(in_w))
    throw std::invalid_argument("Conv2d::run_depthwise_row: columns [" + std::to_string(col_begin) + ", " +
                                std::to_string(col_end) + ") outside a row of " + std::to_string(out_w(in_w)));
  DepthwiseRowArgs a = depthwise_row_args(in_w);
  for (int ky = 0; ky < 3; ++ky) a.in[ky] = in[ky];
  a.col_begin = col_begin;
  a.col_end = col_end;
  a.out = out;
  a.residual = residual;
  depthwise_kernel(isa_)(a);
}

void Conv2d::run_igemm(const float* in, int64_t batch, int64_t h, int64_t w, float* out, const float* residual) const {
  IgemmGeometry g;
  g.in = in;
  g.zero = zero_.get();
  g.h = h;
  g.w = w;
  g.out_h = out_h(h);
  g.out_w = out_w(w);
  g.p = p_;
  g.merge_rows = merges_kernel_rows(p_);
  const int64_t cin_g = p_.in_channels / p_.groups, cout_g = p_.out_channels / p_.groups;
  const int64_t runs = g.merge_rows ? p_.kernel_h : p_.kernel_h * p_.kernel_w;
  const int64_t run_length = g.merge_rows ? p_.kernel_w * cin_g : cin_g;
  const int64_t panels = (cout_g + nr_ - 1) / nr_;
  const int64_t pixels = batch * g.out_h * g.out_w, tiles = (pixels + mr_ - 1) / mr_;
  const IgemmKernel& kernel = igemm_kernel(isa_);
  parallel_claim((tiles + kIgemmBlockTiles - 1) / kIgemmBlockTiles, [&](const auto& next) {
    std::vector<const float*> indirection(static_cast<size_t>(kIgemmBlockTiles * runs * mr_));
    std::vector<float> patches;
    for (int64_t block; (block = next()) >= 0;) {
      const int64_t t0 = block * kIgemmBlockTiles, block_tiles = std::min(kIgemmBlockTiles, tiles - t0);
      const int64_t p0 = t0 * mr_, rows = std::min(block_tiles * mr_, pixels - p0);
      fill_indirection(g, mr_, p0, rows, block_tiles * mr_, indirection.data(), patches);
      for (int64_t grp = 0; grp < p_.groups; ++grp) {
        ConvIgemmArgs a;
        a.indirection = indirection.data();
        a.zero = zero_.get();
        a.a_offset = grp * cin_g;
        a.tiles = block_tiles;
        a.rows = rows;
        a.runs = runs;
        a.run_length = run_length;
        a.weights = weight_.get() + grp * panels * runs * run_length * nr_;
        a.bias = bias_.get() + grp * panels * nr_;
        a.cout = cout_g;
        a.activation = activation_;
        a.out = out + p0 * p_.out_channels + grp * cout_g;
        a.ldc = p_.out_channels;
        a.residual = residual ? residual + p0 * p_.out_channels + grp * cout_g : nullptr;
        a.ldr = p_.out_channels;
        kernel.run(a);
      }
    }
  });
}

// Each thread claims chunks of tiles and runs all three steps on its own scratch: input transforms into V
// [36][chunk][in_c], one GEMM per point into M [36][chunk][out_c], output transforms. A GEMM sees the whole
// chunk against one point's weights, so a chunk of 64 tiles reads the 36 weight matrices (9 MB at 256
// channels) once per 1024 output pixels; V and M take 4.7 MB per thread there. A tile's result depends only
// on its own pixels, never on the chunking, so any thread count gives the same bits.
void Conv2d::run_winograd(const float* in, int64_t batch, int64_t h, int64_t w, float* out,
                          const float* residual) const {
  constexpr int64_t kMaxChunk = 64, kMinChunk = 8;
  const int64_t cin = p_.in_channels, cout = p_.out_channels;
  const int64_t tiles_h = winograd_tiles(h), tiles_w = winograd_tiles(w);
  const int64_t tiles = batch * tiles_h * tiles_w;
  // About two chunks per thread, so a thread that loses its core leaves little behind.
  const int64_t threads = available_threads();
  const int64_t chunk = std::clamp<int64_t>((tiles + 2 * threads - 1) / (2 * threads), kMinChunk, kMaxChunk);
  const WinogradKernels kernels = winograd_kernels(isa_);
  struct TileOrigin {
    int64_t n, y, x;  // image, and the tile's first output row and column
  };
  const auto origin = [&](int64_t tile) {
    return TileOrigin{tile / (tiles_h * tiles_w), tile / tiles_w % tiles_h * kWinogradOutput,
                      tile % tiles_w * kWinogradOutput};
  };
  parallel_claim((tiles + chunk - 1) / chunk, [&](const auto& next) {
    const Tensor scratch = Tensor::empty({kWinogradPoints * chunk * (cin + cout)});
    float* const v = scratch.data<float>();
    float* const m = v + kWinogradPoints * chunk * cin;
    const float* pixels[kWinogradPoints];
    for (int64_t item; (item = next()) >= 0;) {
      const int64_t t0 = item * chunk, count = std::min(chunk, tiles - t0);
      for (int64_t t = 0; t < count; ++t) {
        const TileOrigin o = origin(t0 + t);
        for (int i = 0; i < kWinogradTile; ++i)
          for (int j = 0; j < kWinogradTile; ++j) {
            const int64_t iy = o.y - 1 + i, ix = o.x - 1 + j;
            pixels[i * kWinogradTile + j] =
                iy >= 0 && iy < h && ix >= 0 && ix < w ? in + ((o.n * h + iy) * w + ix) * cin : zero_.get();
          }
        kernels.input({pixels, cin, v + t * cin, chunk * cin});
      }
      for (int xi = 0; xi < kWinogradPoints; ++xi)
        gemm_f32(count, v + xi * chunk * cin, cin, winograd_weight_[static_cast<size_t>(xi)], m + xi * chunk * cout,
                 cout);
      for (int64_t t = 0; t < count; ++t) {
        const TileOrigin o = origin(t0 + t);
        const int64_t at = ((o.n * h + o.y) * w + o.x) * cout;
        WinogradOutputArgs a;
        a.in = m + t * cout;
        a.stride = chunk * cout;
        a.channels = cout;
        a.bias = bias_.get();
        a.activation = activation_;
        a.out = out + at;
        a.row_stride = w * cout;
        a.rows = static_cast<int>(std::min<int64_t>(kWinogradOutput, h - o.y));
        a.cols = static_cast<int>(std::min<int64_t>(kWinogradOutput, w - o.x));
        a.residual = residual ? residual + at : nullptr;
        kernels.output(a);
      }
    }
  });
}

}  // namespace lsam
