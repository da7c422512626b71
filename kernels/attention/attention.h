// Fused multi-head attention: out = softmax(scale * Q K^T + bias + rel_pos) V, on strided f32 operands.
//
// Every operand is addressed through element strides, so a caller can point q, k and v straight into a
// fused qkv projection ([B, L, 3, H, D] rows) and out into [B, L, H * Dv] rows without any copy. The
// innermost dimension (the head dimension, or the key index for bias and rel-pos rows) is contiguous.
//
// The fused kernels (flash.inc, one instantiation per ISA) never materialise the score matrix: a block of
// query rows streams over blocks of packed keys and values, keeping a running max and sum per row
// (online softmax), so memory stays O(block) for any sequence length.
#pragma once

#include <cstdint>

namespace lsam {

struct AttentionArgs {
  int64_t batch = 0, heads = 0, q_len = 0, kv_len = 0, qk_dim = 0, v_dim = 0;
  float scale = 1.0f;

  // Element [b, h, row, d] of each operand is at ptr + b * batch_stride + h * head_stride + row * row_stride + d.
  const float* q = nullptr;
  int64_t q_batch_stride = 0, q_head_stride = 0, q_row_stride = 0;
  const float* k = nullptr;
  int64_t k_batch_stride = 0, k_head_stride = 0, k_row_stride = 0;
  const float* v = nullptr;
  int64_t v_batch_stride = 0, v_head_stride = 0, v_row_stride = 0;
  float* out = nullptr;
  int64_t out_batch_stride = 0, out_head_stride = 0, out_row_stride = 0;

  // Optional additive bias on the scaled scores: bias[b, h, i, j] at
  // bias + b * bias_batch_stride + h * bias_head_stride + i * bias_row_stride + j. A stride of 0 broadcasts
  // (TinyViT: one [heads, N, N] table shared by every window, so bias_batch_stride = 0).
  const float* bias = nullptr;
  int64_t bias_batch_stride = 0, bias_head_stride = 0, bias_row_stride = 0;

  // Optional decomposed relative position terms (SAM ViT), given together: with the keys on a kv_h x kv_w
  // grid (kv_h * kv_w == kv_len), score[i, j] += rel_h[b, h, i, j / kv_w] + rel_w[b, h, i, j % kv_w].
  const float* rel_h = nullptr;
  int64_t rel_h_batch_stride = 0, rel_h_head_stride = 0, rel_h_row_stride = 0;
  const float* rel_w = nullptr;
  int64_t rel_w_batch_stride = 0, rel_w_head_stride = 0, rel_w_row_stride = 0;
  int64_t kv_w = 0;
};

// Fused attention on the variant active_isa() selects, threaded over (batch, head, query block).
// Throws std::invalid_argument on inconsistent arguments (non-positive dims, kv_h * kv_w != kv_len, ...).
void attention_f32(const AttentionArgs& args);

// Scalar reference: materialises one row of scores at a time in double, plain max-subtracted softmax.
void attention_f32_ref(const AttentionArgs& args);

// How a fused variant cuts the work, so the driver can split it over threads and size their scratch.
struct AttentionPlan {
  int64_t q_blocks;        // query rows are split evenly into this many blocks; a work item is (b, h, block)
  int64_t scratch_floats;  // per thread: packed K and V of one head, one block's accumulators
};

// Per-ISA fused variants (flash.inc instantiated with each ISA's vector type). attention_f32_<isa> runs
// work items [first, last), item = (b * heads + h) * q_blocks + block, with `scratch` private to the caller.
AttentionPlan attention_plan_f32_scalar(const AttentionArgs& args);
void attention_f32_scalar(const AttentionArgs& args, const AttentionPlan& plan, int64_t first, int64_t last,
                          float* scratch);
AttentionPlan attention_plan_f32_avx2(const AttentionArgs& args);
void attention_f32_avx2(const AttentionArgs& args, const AttentionPlan& plan, int64_t first, int64_t last,
                        float* scratch);
AttentionPlan attention_plan_f32_avx512(const AttentionArgs& args);
void attention_f32_avx512(const AttentionArgs& args, const AttentionPlan& plan, int64_t first, int64_t last,
                          float* scratch);

}  // namespace lsam
