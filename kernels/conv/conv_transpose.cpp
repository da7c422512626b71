// ConvTranspose2x2: the GEMM's columns for output row 2h + dy form one packed half, so each half of an input
// row's GEMM writes straight into its output row; no scatter pass, no temporary.
#include <omp.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "engine/memory.h"
#include "engine/profiler.h"
#include "engine/threads.h"
#include "kernels/conv/conv.h"

namespace lsam {

ConvTranspose2x2::ConvTranspose2x2(int64_t in_channels, int64_t out_channels, const float* weight, const float* bias,
                                   Activation activation, Isa isa)
    : in_c_(in_channels), out_c_(out_channels), activation_(activation) {
  if (in_channels <= 0 || out_channels <= 0) throw std::invalid_argument("ConvTranspose2x2: channels must be positive");
  // Input pixel (y, x) feeds output pixels (2y + dy, 2x + dx). In row 2y + dy the two pixels dx = 0, 1 are
  // adjacent, so columns ordered (dx, c) make B_dy[ci][dx * out_c + c] = W[ci][c][dy][dx] a contiguous run.
  std::vector<float> b(static_cast<size_t>(in_c_ * 2 * out_c_));
  for (int64_t dy = 0; dy < 2; ++dy) {
    for (int64_t ci = 0; ci < in_c_; ++ci)
      for (int64_t dx = 0; dx < 2; ++dx)
        for (int64_t c = 0; c < out_c_; ++c)
          b[(ci * 2 + dx) * out_c_ + c] = weight[((ci * out_c_ + c) * 2 + dy) * 2 + dx];
    half_[dy] = PackedB::pack(b.data(), in_c_, 2 * out_c_, 2 * out_c_, false, isa);
  }
  if (bias) {
    auto* p = static_cast<float*>(aligned_malloc(2 * out_c_ * sizeof(float)));
    std::memcpy(p, bias, out_c_ * sizeof(float));
    std::memcpy(p + out_c_, bias, out_c_ * sizeof(float));
    bias_ = std::shared_ptr<float>(p, aligned_free);
  }
}

int64_t ConvTranspose2x2::in_channels() const { return in_c_; }
int64_t ConvTranspose2x2::out_channels() const { return out_c_; }

void ConvTranspose2x2::run(const float* in, int64_t batch, int64_t h, int64_t w, float* out) const {
  const double pixels = static_cast<double>(batch * h * w);
  LSAM_PROFILE("conv", 2.0 * pixels * in_c_ * 4 * out_c_,
               4.0 * (pixels * (in_c_ + 4 * out_c_) + static_cast<double>(in_c_ * 4 * out_c_)));
  GemmEpilogue epilogue;
  epilogue.bias = bias_.get();
  epilogue.activation = activation_;
  // One single-threaded GEMM per input row and dy; threads take whole rows.
  const int64_t rows = batch * h;
#pragma omp parallel num_threads(static_cast<int>(std::min<int64_t>(available_threads(), rows)))
  {
    const Range r = split_range(rows, omp_get_num_threads(), omp_get_thread_num());
    for (int64_t row = r.begin; row < r.end; ++row)
      for (int64_t dy = 0; dy < 2; ++dy)  // input row (n, y) is output rows 2 * (n * h + y) + dy
        gemm_f32(w, in + row * w * in_c_, in_c_, half_[dy], out + (2 * row + dy) * 2 * w * out_c_, 2 * out_c_,
                 epilogue);
  }
}

}  // namespace lsam
