#include <cmath>

#include "kernels/conv/conv.h"

namespace lsam {

void fold_batchnorm(int64_t out_channels, int64_t per_channel, float* weight, const float* bias_in, float* bias_out,
                    const float* gamma, const float* beta, const float* running_mean, const float* running_var,
                    double eps) {
  for (int64_t c = 0; c < out_channels; ++c) {
    const double scale = static_cast<double>(gamma[c]) / std::sqrt(static_cast<double>(running_var[c]) + eps);
    for (int64_t i = 0; i < per_channel; ++i) {
      float& wi = weight[c * per_channel + i];
      wi = static_cast<float>(wi * scale);
    }
    const double b = bias_in ? bias_in[c] : 0.0;
    bias_out[c] = static_cast<float>((b - running_mean[c]) * scale + beta[c]);
  }
}

}  // namespace lsam
