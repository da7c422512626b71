// Single-precision GEMM: C[M,N] = act(A[M,K] * B[K,N] + bias) + residual.
//
// BLIS structure: a portable driver (gemm.cpp) blocks for the caches and threads, B is packed into NR-column
// panels (pack.cpp), A is read in place, and a register-blocked microkernel per ISA (scalar.cpp, avx2.cpp,
// avx512.cpp, one body in ukernel.inc) computes MR x NR tiles of C with the epilogue fused. The tile sizes of
// each ISA live in one table (gemm_config). Weights are packed once (PackedB) when a model loads.
#pragma once

#include <cstdint>
#include <memory>

#include "engine/cpu.h"
#include "kernels/eltwise/activation.h"

namespace lsam {

// Fused epilogue, applied to each finished tile of C while it is still in registers/cache.
struct GemmEpilogue {
  const float* bias = nullptr;       // [N], added before the activation
  Activation activation = Activation::none;
  const float* residual = nullptr;   // [M, N] with row stride ldr, added after the activation; may be C itself
  int64_t ldr = 0;
};

// Register tile and cache blocking of one ISA's kernel (the table and its reasoning are in gemm.cpp).
struct GemmConfig {
  int mr, nr;      // register tile: rows x columns of C
  int64_t kc, nc;  // cache blocks: depth (K is cut into equal blocks of at most kc) and columns of B (at depth
                   // kc; a shallower block takes proportionally more)
};
const GemmConfig& gemm_config(Isa isa);

// B in the microkernel's panel layout for one ISA, built once and reused by every call.
class PackedB {
 public:
  PackedB() = default;
  // From B[K][N] row-major with row stride ldb, or, when `transposed`, from W[N][K] with row stride ldb
  // (PyTorch's Linear weight and a 1x1 Conv weight are W[N][K]).
  static PackedB pack(const float* b, int64_t K, int64_t N, int64_t ldb, bool transposed, Isa isa = active_isa());

  int64_t k() const { return k_; }
  int64_t n() const { return n_; }
  Isa isa() const { return isa_; }
  const float* panels() const { return data_.get(); }
  bool empty() const { return !data_; }

 private:
  std::shared_ptr<float> data_;
  int64_t k_ = 0, n_ = 0;
  Isa isa_ = Isa::scalar;
};

// C = epilogue(A * B) with pre-packed B; A is row-major [M, K] with row stride lda.
void gemm_f32(int64_t M, const float* A, int64_t lda, const PackedB& B, float* C, int64_t ldc,
              const GemmEpilogue& epilogue = {});

// Both operands are activations: B is packed on the fly. trans_a: A is stored [K, M]; trans_b: B is [N, K].
void gemm_f32(int64_t M, int64_t N, int64_t K, const float* A, int64_t lda, bool trans_a, const float* B, int64_t ldb,
              bool trans_b, float* C, int64_t ldc, const GemmEpilogue& epilogue = {});

// `batch` independent products at fixed element strides between consecutive A, B and C matrices; the
// epilogue's residual, if any, advances by stride_c like C.
void gemm_f32_batched(int64_t batch, int64_t M, int64_t N, int64_t K, const float* A, int64_t lda, int64_t stride_a,
                      bool trans_a, const float* B, int64_t ldb, int64_t stride_b, bool trans_b, float* C, int64_t ldc,
                      int64_t stride_c, const GemmEpilogue& epilogue = {});

// Scalar reference: the triple loop every variant is tested against (double accumulation).
void gemm_f32_ref(int64_t M, int64_t N, int64_t K, const float* A, int64_t lda, bool trans_a, const float* B,
                  int64_t ldb, bool trans_b, float* C, int64_t ldc, const GemmEpilogue& epilogue = {});

}  // namespace lsam
