// The per-ISA convolution kernels behind Conv2d (conv.h): argument structs and variant declarations only,
// so the ISA translation units can include this and nothing else of the engine.
#pragma once

#include <cstdint>

#include "kernels/eltwise/activation.h"

namespace lsam {

// Indirect GEMM (XNNPACK's "igemm"): the convolution as a GEMM whose A rows are never materialised. Output
// pixel r of a tile reads `runs` runs of `run_length` contiguous input floats, run s starting at
// indirection[(tile * runs + s) * mr + r]. A run is one kernel tap's input channels, or a whole kernel row
// of taps where those are contiguous in NHWC; a run in the padding points at `zero`. This replaces
// im2col's copy with one pointer per (pixel, run).
struct ConvIgemmArgs {
  const float* const* indirection;  // [tiles][runs][mr]
  const float* zero;                // the padding run: pointers equal to it are not offset by a_offset
  int64_t a_offset;                 // added to every other pointer (selects a group's input channels)
  int64_t tiles, rows;              // rows: valid output pixels, <= tiles * mr (the last tile may be short)
  int64_t runs, run_length;         // reduction length = runs * run_length
  const float* weights;             // [ceil(cout / nr)][runs * run_length][nr], zero-padded columns
  const float* bias;                // [ceil(cout / nr) * nr], zero-padded; never null
  int64_t cout;                     // valid output channels
  Activation activation;            // on bias + sum, before the residual
  float* out;                       // row r (pixel r of this block) at out + r * ldc
  int64_t ldc;                      // floats between output rows
  const float* residual;            // null, or like out with row stride ldr; added after the activation
  int64_t ldr;                      // floats between residual rows
};

void conv_igemm_f32_ref_4x8(const ConvIgemmArgs& args);
void conv_igemm_f32_avx2_6x16(const ConvIgemmArgs& args);
void conv_igemm_f32_avx512_12x32(const ConvIgemmArgs& args);

// Depthwise 3x3, padding 1, stride 1 or 2, NHWC, one output row at a time. The caller points at the three
// input rows the output row reads, so they may come from a whole map or from a pipeline's ring buffer of rows
// (TinyViT's fused MBConv), and picks the run of output columns, so a row may be cut into column strips.
struct DepthwiseRowArgs {
  const float* in[3];            // input rows oy * stride - 1 + ky at column 0; a padding row points at zeros
  int64_t in_w, channels;        // pixels a row, floats a pixel
  int64_t stride;                // 1 or 2, both ways
  const float* weights;          // [9][ldw], tap = ky * 3 + kx, zero-padded channels
  int64_t ldw;                   // >= channels: rounded up to a whole vector of the widest ISA
  const float* bias;             // [ldw], zero-padded; never null
  Activation activation;         // on bias + sum, before the residual
  int64_t col_begin, col_end;    // output columns computed, within [0, (in_w - 1) / stride + 1)
  float* out;                    // output column col_begin, then the next columns, `channels` floats apart
  const float* residual;         // null, or laid out like out
};

void depthwise3x3_row_f32_ref(const DepthwiseRowArgs& args);
void depthwise3x3_row_f32_avx2(const DepthwiseRowArgs& args);
void depthwise3x3_row_f32_avx512(const DepthwiseRowArgs& args);

// Winograd F(4x4, 3x3) (Lavin & Gray, interpolation points 0, +-1, +-2 and infinity): a 3x3 stride-1 conv
// as 36 independent GEMMs over 6x6 input tiles that overlap by 2, each tile giving 4x4 output pixels for
// 36 / 4 multiplies per output instead of 9. The transforms run over channel vectors:
//   input:  V = B^T d B, d the tile's 6x6 input pixels;  output: y = A^T M A + bias, activation, residual.
// Transformed element xi = 6 i + j of channel c of a tile lives at buffer[xi * stride + c].
constexpr int kWinogradTile = 6;   // input tile side: output tile + kernel - 1
constexpr int kWinogradOutput = 4;  // output tile side
constexpr int kWinogradPoints = kWinogradTile * kWinogradTile;

struct WinogradInputArgs {
  const float* const* pixels;  // [36]: the tile's input pixels row by row, `channels` floats each (or zeros)
  int64_t channels;
  float* out;                  // V, element xi at out + xi * stride
  int64_t stride;
};

struct WinogradOutputArgs {
  const float* in;             // M, element xi at in + xi * stride
  int64_t stride, channels;
  const float* bias;           // [channels]; never null
  Activation activation;       // on bias + A^T M A, before the residual
  float* out;                  // output pixel (0, 0) of the tile; pixel (i, j) at out + i * row_stride + j * channels
  int64_t row_stride;
  int rows, cols;              // valid output rows and columns of the tile (fewer at the map's bottom and right)
  const float* residual;       // null, or laid out like out
};

void winograd_input_f32_ref(const WinogradInputArgs& args);
void winograd_input_f32_avx2(const WinogradInputArgs& args);
void winograd_input_f32_avx512(const WinogradInputArgs& args);
void winograd_output_f32_ref(const WinogradOutputArgs& args);
void winograd_output_f32_avx2(const WinogradOutputArgs& args);
void winograd_output_f32_avx512(const WinogradOutputArgs& args);

}  // namespace lsam
