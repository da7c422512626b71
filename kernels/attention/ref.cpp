#include <cmath>
#include <vector>

#include "kernels/attention/attention.h"

namespace lsam {

void attention_f32_ref(const AttentionArgs& a) {
  std::vector<double> score(static_cast<size_t>(a.kv_len));
  for (int64_t b = 0; b < a.batch; ++b)
    for (int64_t h = 0; h < a.heads; ++h)
      for (int64_t i = 0; i < a.q_len; ++i) {
        const float* q = a.q + b * a.q_batch_stride + h * a.q_head_stride + i * a.q_row_stride;
        double max = -INFINITY;
        for (int64_t j = 0; j < a.kv_len; ++j) {
          const float* k = a.k + b * a.k_batch_stride + h * a.k_head_stride + j * a.k_row_stride;
          double dot = 0;
          for (int64_t d = 0; d < a.qk_dim; ++d) dot += static_cast<double>(q[d]) * k[d];
          double s = a.scale * dot;
          if (a.bias) s += a.bias[b * a.bias_batch_stride + h * a.bias_head_stride + i * a.bias_row_stride + j];
          if (a.rel_h) {
            s += a.rel_h[b * a.rel_h_batch_stride + h * a.rel_h_head_stride + i * a.rel_h_row_stride + j / a.kv_w];
            s += a.rel_w[b * a.rel_w_batch_stride + h * a.rel_w_head_stride + i * a.rel_w_row_stride + j % a.kv_w];
          }
          score[static_cast<size_t>(j)] = s;
          max = std::fmax(max, s);
        }
        double sum = 0;
        for (double& s : score) {
          s = std::exp(s - max);
          sum += s;
        }
        float* out = a.out + b * a.out_batch_stride + h * a.out_head_stride + i * a.out_row_stride;
        const float* v = a.v + b * a.v_batch_stride + h * a.v_head_stride;
        for (int64_t d = 0; d < a.v_dim; ++d) {
          double acc = 0;
          for (int64_t j = 0; j < a.kv_len; ++j) acc += score[static_cast<size_t>(j)] * v[j * a.v_row_stride + d];
          out[d] = static_cast<float>(acc / sum);
        }
      }
}

}  // namespace lsam
