#include "graph/inverted_bottleneck.h"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "engine/profiler.h"
#include "engine/threads.h"
#include "kernels/conv/conv.h"
#include "kernels/eltwise/eltwise.h"

namespace lsam::graph {

// Work is cut into tasks, each a strip of output columns over a run of output rows of one image. A task
// expands the input columns and rows its depthwise taps reach (one halo column and row either side, zeros
// past the map's edge coming from the depthwise padding), in order, into a ring of three rows: those of one
// output row's taps are three consecutive input rows at either stride.
Tensor inverted_bottleneck(const Conv& expand, const Conv& depthwise, const Conv& project, const Tensor& x,
                           bool shortcut, Activation after) {
  const Conv2dParams &pe = expand.op->params(), &pd = depthwise.op->params(), &pp = project.op->params();
  const int64_t S = pd.stride_h;
  const auto pointwise = [](const Conv2dParams& p) {
    return p.kernel_h == 1 && p.kernel_w == 1 && p.stride_h == 1 && p.stride_w == 1 && p.pad_h == 0 && p.pad_w == 0 &&
           p.groups == 1;
  };
  const bool depthwise3x3 = pd.groups == pd.in_channels && pd.out_channels == pd.in_channels && pd.kernel_h == 3 &&
                            pd.kernel_w == 3 && pd.pad_h == 1 && pd.pad_w == 1 && pd.stride_w == S &&
                            (S == 1 || S == 2);
  if (x.rank() != 4 || x.dim(3) != pe.in_channels || !pointwise(pe) || !depthwise3x3 || !pointwise(pp) ||
      pd.in_channels != pe.out_channels || pp.in_channels != pd.out_channels ||
      (shortcut && (S != 1 || pp.out_channels != pe.in_channels)))
    throw std::invalid_argument("inverted_bottleneck: convs " + std::to_string(pe.in_channels) + "->" +
                                std::to_string(pe.out_channels) + "->" + std::to_string(pp.out_channels) +
                                " do not chain on input " + x.describe());
  const int64_t N = x.dim(0), H = x.dim(1), W = x.dim(2), C = x.dim(3), hidden = pe.out_channels;
  const int64_t OH = depthwise.op->out_h(H), OW = depthwise.op->out_w(W), OC = pp.out_channels;
  // Three ring rows and the depthwise output row, about (3 S + 1) * strip * hidden floats: 256 KB of L2.
  const int64_t strip = std::min(OW, std::max<int64_t>(8, 64 * 1024 / ((3 * S + 1) * hidden)));
  const int64_t strips = (OW + strip - 1) / strip;
  const int64_t ring_cols = S * strip + 2;  // input columns S (ox0 - 1) .. S (ox1 - 1) + 1
  // Rows are cut into about four tasks per thread, claimed as threads free up: each cut costs a halo row or two
  // (0.4% of a 256 x 256 block's work at two runs), but with only a task or two per thread, one thread losing
  // its core on a shared machine left the other idle for the rest of the op (in a profile under load these
  // blocks took 124 ms against 104 ms quiet, while the ops with finer work items moved 2-3%).
  const int64_t row_runs = std::min<int64_t>(OH, (4 * num_threads() + N * strips - 1) / (N * strips));
  const double pixels = static_cast<double>(N * OH * OW);
  LSAM_PROFILE("bottleneck", 2.0 * (N * H * W * C * hidden + pixels * hidden * (9 + OC)),
               4.0 * (N * H * W * C + pixels * OC * (shortcut ? 3 : 1) + hidden * (C + 10 + OC)));
  const Tensor xc = x.contiguous();
  Tensor y = Tensor::empty({N, OH, OW, OC});
  const float* in = xc.data<float>();
  float* out = y.data<float>();
  parallel_claim(N * row_runs * strips, [&](const auto& next) {
    const Tensor scratch = Tensor::empty({5, ring_cols, hidden});  // ring of 3, a zero row, depthwise row
    float* ring[3];
    for (int i = 0; i < 3; ++i) ring[i] = scratch.data<float>() + i * ring_cols * hidden;
    float* const zeros = scratch.data<float>() + 3 * ring_cols * hidden;
    std::fill(zeros, zeros + ring_cols * hidden, 0.0f);
    float* dw_row = scratch.data<float>() + 4 * ring_cols * hidden;
    for (int64_t task; (task = next()) >= 0;) {
      const int64_t n = task / (row_runs * strips);
      const Range rows = split_range(OH, static_cast<int>(row_runs), static_cast<int>(task / strips % row_runs));
      const int64_t ox0 = task % strips * strip, ox1 = std::min(OW, ox0 + strip);
      // Input columns from S (ox0 - 1), so that the ring's column 0 sits on the stride grid, to the last tap.
      const int64_t c0 = std::max<int64_t>(0, S * (ox0 - 1)), c1 = std::min(W, S * (ox1 - 1) + 2);
      const float* image = in + n * H * W * C;
      int64_t next = std::max<int64_t>(0, S * rows.begin - 1);  // the next input row to expand
      for (int64_t oy = rows.begin; oy < rows.end; ++oy) {
        for (; next < std::min(H, S * oy + 2); ++next)
          expand.op->run(image + (next * W + c0) * C, 1, 1, c1 - c0, ring[next % 3]);
        const float* taps[3];
        for (int ky = 0; ky < 3; ++ky) {
          const int64_t iy = S * oy - 1 + ky;
          taps[ky] = iy >= 0 && iy < H ? ring[iy % 3] : zeros;
        }
        depthwise.op->run_depthwise_row(taps, c1 - c0, ox0 - c0 / S, ox1 - c0 / S, dw_row);
        const int64_t at = (n * OH + oy) * OW + ox0;
        float* y_row = out + at * OC;
        project.op->run(dw_row, 1, 1, ox1 - ox0, y_row, shortcut ? in + at * C : nullptr);
        if (after != Activation::none) activation_f32(after, (ox1 - ox0) * OC, y_row, y_row);
      }
    }
  });
  return y;
}

}  // namespace lsam::graph
