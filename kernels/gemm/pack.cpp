#include "kernels/gemm/pack.h"

#include <algorithm>
#include <cstring>

#include "engine/memory.h"
#include "engine/threads.h"

namespace lsam {

KBlocks k_blocks(int64_t K, int64_t kc) {
  // Equal blocks: K = 320 with kc = 256 runs as 2 x 160, not 256 + a short 64 that would pay a full pass over C.
  const int64_t count = std::max<int64_t>(1, (K + kc - 1) / kc);
  return {count, (K + count - 1) / count};
}

namespace {

using Float4 = float __attribute__((vector_size(16)));

Float4 load4(const float* p) {
  Float4 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

void store4(float* p, Float4 v) { std::memcpy(p, &v, sizeof v); }

// dst[q][i] = src[i][q] for a 4 x 4 block, in registers (shuffles any x86-64 has in SSE2).
void transpose4x4(const float* src, int64_t lds, float* dst, int64_t ldd) {
  const Float4 r0 = load4(src), r1 = load4(src + lds), r2 = load4(src + 2 * lds), r3 = load4(src + 3 * lds);
  const Float4 t0 = __builtin_shufflevector(r0, r1, 0, 4, 1, 5), t1 = __builtin_shufflevector(r0, r1, 2, 6, 3, 7);
  const Float4 t2 = __builtin_shufflevector(r2, r3, 0, 4, 1, 5), t3 = __builtin_shufflevector(r2, r3, 2, 6, 3, 7);
  store4(dst, __builtin_shufflevector(t0, t2, 0, 1, 4, 5));
  store4(dst + ldd, __builtin_shufflevector(t0, t2, 2, 3, 6, 7));
  store4(dst + 2 * ldd, __builtin_shufflevector(t1, t3, 0, 1, 4, 5));
  store4(dst + 3 * ldd, __builtin_shufflevector(t1, t3, 2, 3, 6, 7));
}

// One panel of one K block from W[N][K]: panel column c is the run W[j0 + c][k0 .. k0 + depth).
void pack_transposed_panel(float* d, const float* w, int64_t ldw, int64_t depth, int64_t width, int64_t nr) {
  int64_t c = 0;
  for (; c + 4 <= width; c += 4) {
    int64_t p = 0;
    for (; p + 4 <= depth; p += 4) transpose4x4(w + c * ldw + p, ldw, d + p * nr + c, nr);
    for (; p < depth; ++p)
      for (int64_t i = 0; i < 4; ++i) d[p * nr + c + i] = w[(c + i) * ldw + p];
  }
  for (; c < width; ++c)
    for (int64_t p = 0; p < depth; ++p) d[p * nr + c] = w[c * ldw + p];
}

}  // namespace

void pack_b_block(float* dst, const float* b, int64_t ldb, bool transposed, int64_t k0, int64_t depth, int64_t j0,
                  int64_t width, int nr) {
  for (int64_t j = 0; j < width; j += nr) {
    const int64_t w = std::min<int64_t>(nr, width - j);
    float* d = dst + j * depth;
    if (w < nr) std::fill(d, d + depth * nr, 0.f);
    if (transposed) pack_transposed_panel(d, b + (j0 + j) * ldb + k0, ldb, depth, w, nr);
  }
  if (!transposed)  // a row segment at a time: sequential reads, where a panel at a time touches `depth` rows
    for (int64_t p = 0; p < depth; ++p) {
      const float* row = b + (k0 + p) * ldb + j0;
      for (int64_t j = 0; j < width; j += nr) std::copy_n(row + j, std::min<int64_t>(nr, width - j), dst + j * depth + p * nr);
    }
}

void pack_b_panels(float* dst, const float* b, int64_t K, int64_t N, int64_t ldb, bool transposed,
                   const GemmConfig& cfg, int threads) {
  const int64_t nr = cfg.nr, npad = (N + nr - 1) / nr * nr;
  const KBlocks kb = k_blocks(K, cfg.kc);
  // Jobs of one K block and up to 4096 columns.
  const int64_t cols = std::max<int64_t>(nr, 4096 / nr * nr), runs = (N + cols - 1) / cols, jobs = kb.count * runs;
#pragma omp parallel for num_threads(threads) schedule(static) if (threads > 1 && K * N > (1 << 16))
  for (int64_t job = 0; job < jobs; ++job) {
    const int64_t k0 = job / runs * kb.size, depth = std::min(kb.size, K - k0);
    const int64_t j0 = job % runs * cols, width = std::min(cols, N - j0);
    pack_b_block(dst + k0 * npad + j0 * depth, b, ldb, transposed, k0, depth, j0, width, cfg.nr);
  }
}

PackedB PackedB::pack(const float* b, int64_t K, int64_t N, int64_t ldb, bool transposed, Isa isa) {
  PackedB packed;
  packed.k_ = K, packed.n_ = N, packed.isa_ = isa;
  const GemmConfig& cfg = gemm_config(isa);
  const size_t floats = static_cast<size_t>(K * ((N + cfg.nr - 1) / cfg.nr * cfg.nr));
  packed.data_ = std::shared_ptr<float>(static_cast<float*>(aligned_malloc(floats * sizeof(float))), aligned_free);
  pack_b_panels(packed.data_.get(), b, K, N, ldb, transposed, cfg, available_threads());
  return packed;
}

}  // namespace lsam
