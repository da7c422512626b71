// Resampling: bilinear resizes that reproduce torch and PIL, and the NHWC nearest upsample and max pool of
// YOLOv8's neck.
//
// Both bilinear resizes are separable: a horizontal pass over the input rows, then a vertical pass over its
// result, as torch and PIL order them (the order changes the rounding, and for PIL the uint8 result). Each axis
// is a table of taps built once per call by the driver, in the exact arithmetic of the library it reproduces;
// the per-ISA kernels only apply tables. The entry points split rows statically over available_threads().
#pragma once

#include <cstdint>

namespace lsam {

// torch.nn.functional.interpolate(x, (out_h, out_w), mode="bilinear", align_corners=False, antialias=...) on
// planar x[channels, in_h, in_w] into y[channels, out_h, out_w]. Indices and weights are computed exactly as
// torch 1.13 computes them; outputs then match to the last bit with antialias and within ~1 ulp without (torch
// rounds its 2 x 2 sums in another order). With antialias the filter is torch's separable triangle of support
// max(scale, 1), weights normalised per output pixel; upscaling with antialias is plain bilinear except at the
// borders.
void resize_bilinear_f32(const float* x, int64_t channels, int64_t in_h, int64_t in_w, float* y, int64_t out_h,
                         int64_t out_w, bool antialias);

// The top-left keep_h x keep_w corner of that resize into y[channels, keep_h, keep_w], computing nothing
// else: interpolate(x, (out_h, out_w))[..., :keep_h, :keep_w], as SAM crops its upscaled masks to the
// unpadded image. Each output pixel's taps depend only on its own index, so the values are those of the
// full resize.
void resize_bilinear_crop_f32(const float* x, int64_t channels, int64_t in_h, int64_t in_w, float* y, int64_t out_h,
                              int64_t out_w, int64_t keep_h, int64_t keep_w, bool antialias);

// SAM's mask post-processing thresholded: y[c] = (resize(resize(x[c], (mid_h, mid_w))[:keep_h, :keep_w],
// (out_h, out_w)) > 0) as u8 0/1, both resizes non-antialiased. The values compared with 0 are those of
// resize_bilinear_crop_f32 then resize_bilinear_f32, to the bit, but computed a band of output rows at a
// time, so neither float image (15 MB for three 600 x 800 masks) goes to memory and back.
void resize_crop_resize_threshold_u8(const float* x, int64_t channels, int64_t in_h, int64_t in_w, int64_t mid_h,
                                     int64_t mid_w, int64_t keep_h, int64_t keep_w, uint8_t* y, int64_t out_h,
                                     int64_t out_w);

// PIL.Image.resize((out_w, out_h), Image.BILINEAR) on interleaved x[in_h, in_w, channels] into
// y[out_h, out_w, channels], bit-exact with Pillow 9.4 (the arithmetic of ImagingResample, see resize_pil.cpp).
// channels is 1 to 4: 1 and 3 are PIL's "L" and "RGB"; PIL resizes "LA" and "RGBA" premultiplied by alpha,
// which this does not do.
void resize_u8_pil_bilinear(const uint8_t* x, int64_t in_h, int64_t in_w, int channels, uint8_t* y, int64_t out_h,
                            int64_t out_w);

// nn.Upsample(scale_factor=factor, mode="nearest") on NHWC x[n, h, w, c] into y[n, h * factor, w * factor, c].
// Pure data movement (a memcpy per pixel, which is as fast as it gets), so it has no per-ISA variants.
void upsample_nearest_f32(const float* x, int64_t n, int64_t h, int64_t w, int64_t c, int factor, float* y);

// nn.MaxPool2d(kernel, stride, pad) on NHWC x[n, h, w, c] into y[n, maxpool_out_size(h), maxpool_out_size(w), c]
// (floor mode; padding never wins the max, as torch pads with -inf). pad <= kernel / 2, as torch requires.
void maxpool_f32(const float* x, int64_t n, int64_t h, int64_t w, int64_t c, int kernel, int stride, int pad, float* y);
int64_t maxpool_out_size(int64_t in, int kernel, int stride, int pad);

// ---- Variants (single-threaded; exposed for the tests) ----

// One axis of a float resampler: output i = sum over taps j of weight[j * out + i] * input[index[j * out + i]],
// accumulated in tap order as w0 * x0, then one fma per further tap. Tap-major, so that the taps of
// consecutive outputs are contiguous. Unused taps have weight 0 and a valid index. Indices never decrease along
// the taps of an output nor from one output to the next (so a run of outputs reads between its first output's
// first tap and its last output's last tap).
struct ResampleAxisF32 {
  int64_t out;
  int taps;
  const int32_t* index;
  const float* weight;
};

// Horizontal pass: y[r, i] for rows r < rows of x (row strides ldx, ldy), i < axis.out.
void resample_h_f32_ref(const ResampleAxisF32& axis, int64_t rows, const float* x, int64_t ldx, float* y, int64_t ldy);
void resample_h_f32_avx2(const ResampleAxisF32& axis, int64_t rows, const float* x, int64_t ldx, float* y, int64_t ldy);
void resample_h_f32_avx512(const ResampleAxisF32& axis, int64_t rows, const float* x, int64_t ldx, float* y,
                           int64_t ldy);

// Vertical pass: output rows [begin, end) of y, each `width` floats, from the rows of x the axis indexes.
void resample_v_f32_ref(const ResampleAxisF32& axis, int64_t begin, int64_t end, int64_t width, const float* x,
                        int64_t ldx, float* y, int64_t ldy);
void resample_v_f32_avx2(const ResampleAxisF32& axis, int64_t begin, int64_t end, int64_t width, const float* x,
                         int64_t ldx, float* y, int64_t ldy);
void resample_v_f32_avx512(const ResampleAxisF32& axis, int64_t begin, int64_t end, int64_t width, const float* x,
                           int64_t ldx, float* y, int64_t ldy);

// One axis of PIL's fixed-point resampler: output i reads inputs first[i] + j for j < count[i] with coefficients
// coeff[j * out + i] (weights scaled by 2^22 and rounded), and is clip8((2^21 + sum) >> 22). Coefficients
// for j in [count[i], taps) are 0.
struct ResampleAxisU8 {
  int64_t out;
  int taps;
  const int32_t* first;
  const int32_t* count;
  const int32_t* coeff;
};
constexpr int kPilPrecisionBits = 22;  // Pillow's PRECISION_BITS for 8-bit images: 32 - 8 - 2

// Horizontal pass over `rows` rows of in_w pixels of `channels` bytes (1 to 4). `scratch` holds
// (in_w + axis.taps) * 4 int32: each row widened to 4 int32 lanes per pixel, zero-padded past its end.
void resample_h_u8_ref(const ResampleAxisU8& axis, int64_t rows, int64_t in_w, int channels, const uint8_t* x,
                       int64_t ldx, uint8_t* y, int64_t ldy, int32_t* scratch);
void resample_h_u8_avx2(const ResampleAxisU8& axis, int64_t rows, int64_t in_w, int channels, const uint8_t* x,
                        int64_t ldx, uint8_t* y, int64_t ldy, int32_t* scratch);
void resample_h_u8_avx512(const ResampleAxisU8& axis, int64_t rows, int64_t in_w, int channels, const uint8_t* x,
                          int64_t ldx, uint8_t* y, int64_t ldy, int32_t* scratch);

// Vertical pass: output rows [begin, end) of y, each `width` bytes, from the rows of x the axis indexes.
void resample_v_u8_ref(const ResampleAxisU8& axis, int64_t begin, int64_t end, int64_t width, const uint8_t* x,
                       int64_t ldx, uint8_t* y, int64_t ldy);
void resample_v_u8_avx2(const ResampleAxisU8& axis, int64_t begin, int64_t end, int64_t width, const uint8_t* x,
                        int64_t ldx, uint8_t* y, int64_t ldy);
void resample_v_u8_avx512(const ResampleAxisU8& axis, int64_t begin, int64_t end, int64_t width, const uint8_t* x,
                          int64_t ldx, uint8_t* y, int64_t ldy);

struct PoolShape {
  int64_t h, w, c, out_h, out_w;
  int kernel, stride, pad;
};

// Output rows [begin, end) of the flattened [n * out_h] output rows.
void maxpool_f32_ref(const PoolShape& s, int64_t begin, int64_t end, const float* x, float* y);
void maxpool_f32_avx2(const PoolShape& s, int64_t begin, int64_t end, const float* x, float* y);
void maxpool_f32_avx512(const PoolShape& s, int64_t begin, int64_t end, const float* x, float* y);

}  // namespace lsam
