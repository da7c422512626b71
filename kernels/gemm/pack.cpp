#include "kernels/gemm/pack.h"

#include <algorithm>

#include "engine/memory.h"
#include "engine/threads.h"

namespace lsam {

KBlocks k_blocks(int64_t K, int64_t kc) {
  // Equal blocks: K = 320 with kc = 256 runs as 2 x 160, not 256 + a short 64 that would pay a full pass over C.
  const int64_t count = std::max<int64_t>(1, (K + kc - 1) / kc);
  return {count, (K + count - 1) / count};
}

int64_t packed_b_floats(int64_t K, int64_t N, int nr) { return K * ((N + nr - 1) / nr * nr); }

void pack_b_panels(float* dst, const float* b, int64_t K, int64_t N, int64_t ldb, bool transposed,
                   const GemmConfig& cfg, int threads) {
  const int64_t nr = cfg.nr, npanels = (N + nr - 1) / nr;
  const KBlocks kb = k_blocks(K, cfg.kc);
  const int64_t jobs = kb.count * npanels;
#pragma omp parallel for num_threads(threads) schedule(static) if (threads > 1 && K * N > (1 << 16))
  for (int64_t job = 0; job < jobs; ++job) {
    const int64_t k0 = job / npanels * kb.size, depth = std::min(kb.size, K - k0);
    const int64_t j0 = job % npanels * nr, width = std::min(nr, N - j0);
    float* d = dst + k0 * npanels * nr + j0 * depth;
    if (width < nr) std::fill(d, d + depth * nr, 0.f);
    if (transposed) {  // column c of the panel is a contiguous run of W's row j0 + c
      for (int64_t c = 0; c < width; ++c)
        for (int64_t p = 0; p < depth; ++p) d[p * nr + c] = b[(j0 + c) * ldb + k0 + p];
    } else {
      for (int64_t p = 0; p < depth; ++p) std::copy_n(b + (k0 + p) * ldb + j0, width, d + p * nr);
    }
  }
}

PackedB PackedB::pack(const float* b, int64_t K, int64_t N, int64_t ldb, bool transposed, Isa isa) {
  PackedB packed;
  packed.k_ = K, packed.n_ = N, packed.isa_ = isa;
  const GemmConfig& cfg = gemm_config(isa);
  const size_t floats = static_cast<size_t>(packed_b_floats(K, N, cfg.nr));
  packed.data_ = std::shared_ptr<float>(static_cast<float*>(aligned_malloc(floats * sizeof(float))), aligned_free);
  pack_b_panels(packed.data_.get(), b, K, N, ldb, transposed, cfg, available_threads());
  return packed;
}

}  // namespace lsam
