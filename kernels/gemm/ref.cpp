#include <cmath>

#include "kernels/gemm/gemm.h"

namespace lsam {

void gemm_f32_ref(int64_t M, int64_t N, int64_t K, const float* A, int64_t lda, bool trans_a, const float* B,
                  int64_t ldb, bool trans_b, float* C, int64_t ldc, const GemmEpilogue& epilogue) {
  for (int64_t i = 0; i < M; ++i)
    for (int64_t j = 0; j < N; ++j) {
      double sum = 0;
      for (int64_t p = 0; p < K; ++p)
        sum += double(trans_a ? A[p * lda + i] : A[i * lda + p]) * double(trans_b ? B[j * ldb + p] : B[p * ldb + j]);
      if (epilogue.bias) sum += epilogue.bias[j];
      sum = activation_f64(epilogue.activation, sum);
      if (epilogue.residual) sum += epilogue.residual[i * epilogue.ldr + j];
      C[i * ldc + j] = static_cast<float>(sum);
    }
}

}  // namespace lsam
