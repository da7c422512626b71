// GEMM driver: cache blocking, threading and dispatch around the per-ISA kernels (ukernel.h).
#include "kernels/gemm/gemm.h"

#include <omp.h>

#include <algorithm>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/memory.h"
#include "engine/profiler.h"
#include "engine/threads.h"
#include "kernels/gemm/pack.h"
#include "kernels/gemm/ukernel.h"

namespace lsam {
namespace {

struct KernelEntry {
  GemmConfig config;
  GemmUkernel kernel;
};

// Tile sizes per ISA, indexed by Isa. Loop nest per thread: NC-column blocks > K blocks of at most KC > the
// kernel's MR-row strips > its NR-column panels (ukernel.inc). A is read in place a strip at a time, its
// MR x KC sliver staying in L1 while the KC x NC block of packed B streams past it from L2, so the blocks to
// size are the sliver (L1), the B block (L2) and KC, which sets how often C is re-read (K / KC passes).
//
// | isa    | MR x NR | accumulators | KC  | NC  | A sliver | B block | sized for                           |
// |--------|---------|--------------|-----|-----|----------|---------|-------------------------------------|
// | scalar | 6 x 8   | 12 of 16 xmm | 320 | 320 | 7.5 KB   | 400 KB  | as AVX2 (any x86-64 has SSE2)        |
// | avx2   | 6 x 16  | 12 of 16 ymm | 320 | 320 | 7.5 KB   | 400 KB  | Zen 3: 32 KB L1d, 512 KB L2 per core |
// | avx512 | 12 x 32 | 24 of 32 zmm | 320 | 640 | 15 KB    | 800 KB  | Skylake-X and later: >= 1 MB L2      |
//
// KC = NC = 320 also cuts the models' K and N (640, 960, 1280, 3840, 5120) into whole blocks. The AVX2 row
// was tuned with gemm_bench on Zen 3 (256 x 384 and 480 x 192 measure within noise of it); the AVX-512 row
// is unmeasured (no such machine yet).
//
// Tried on Zen 3 at the MobileSAM shapes, 2 threads, interleaved with oneDNN on rounds where a team FMA probe
// showed both cores free, and not kept: BLIS's order inside a group of mc rows (panels outside, strips
// inside, so a KC x NR panel of B stays in L1 and the in-place A slivers come from L2) took 1.1-1.2x the
// time at mc = 48 and 96 (16384 x 128 x 512, 4096 x 160 x 960); KC = 256 and NC = 160 were within the
// noise (+-5%) of this table; non-temporal stores of C (32 MB at 16384 x 128 x 512) did not help.
constexpr KernelEntry kKernels[] = {
    {{6, 8, 320, 320}, gemm_ukernel_f32_scalar_6x8},
    {{6, 16, 320, 320}, gemm_ukernel_f32_avx2_6x16},
    {{12, 32, 320, 640}, gemm_ukernel_f32_avx512_12x32},
};

const KernelEntry& kernel_for(Isa isa) {
  if (!isa_supported(isa)) throw std::runtime_error(std::string("gemm: this CPU cannot run ") + isa_name(isa));
  return kKernels[static_cast<int>(isa)];
}

// Per-thread buffers that live as long as the thread, so repeated calls allocate nothing.
enum ScratchSlot { kPackedB, kResidual, kScratchSlots };

float* thread_scratch(ScratchSlot slot, int64_t floats) {
  struct Buffer {
    std::unique_ptr<float, decltype(&aligned_free)> data{nullptr, aligned_free};
    int64_t floats = 0;
  };
  thread_local Buffer buffers[kScratchSlots];
  Buffer& b = buffers[slot];
  if (b.floats < floats) {
    b.data.reset(static_cast<float*>(aligned_malloc(static_cast<size_t>(floats) * sizeof(float))));
    b.floats = floats;
  }
  return b.data.get();
}

// One product. B is either a PackedB's panels or an activation that each thread packs block by block, just
// before using it, into its own scratch (which then sits in that core's L2 for the kernel).
struct Problem {
  int64_t M, N, K;
  const float* a;
  int64_t lda;
  bool a_col_major;
  const float* b;
  int64_t ldb;      // raw B only
  bool b_packed;
  bool b_trans;     // raw B is stored [N, K]
  float* c;
  int64_t ldc;
  GemmEpilogue epilogue;
};

// Below ~1 MFLOP a thread team costs more than it saves.
bool is_small(int64_t M, int64_t N, int64_t K) { return 2 * M * N * K < (int64_t{1} << 20); }

bool overlaps(const float* x, int64_t x_rows, int64_t ldx, const float* y, int64_t y_rows, int64_t ldy, int64_t cols) {
  const float* x_end = x + (x_rows - 1) * ldx + cols;
  const float* y_end = y + (y_rows - 1) * ldy + cols;
  return x < y_end && y < x_end;
}

// Rows [m0, m1) x columns [n0, n1) of C; n0 is a multiple of NR (a panel boundary). Each KC x NC block of B
// is loaded into L2 once and used by every row of this thread's range.
void run_range(const Problem& p, const KernelEntry& ke, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
  if (m0 >= m1 || n0 >= n1) return;  // a thread grid wider than the work leaves some threads none
  const GemmConfig& cfg = ke.config;
  const KBlocks kb = k_blocks(p.K, cfg.kc);
  const int64_t npad = (p.N + cfg.nr - 1) / cfg.nr * cfg.nr;
  const GemmEpilogue& ep = p.epilogue;

  // The first K block overwrites C, so with several blocks a residual stored in C would be lost. Without an
  // activation C can simply start from it (accumulate from the first block, the same sum in another order);
  // otherwise this thread's part of it is saved first.
  const float* residual = ep.residual;
  int64_t ldr = ep.ldr, res_m0 = 0, res_n0 = 0;
  bool c_holds_residual = false;
  if (ep.residual && kb.count > 1 && overlaps(ep.residual, p.M, ep.ldr, p.c, p.M, p.ldc, p.N)) {
    if (ep.activation == Activation::none && ep.residual == p.c && ep.ldr == p.ldc) {
      c_holds_residual = true, residual = nullptr;
    } else {
      float* saved = thread_scratch(kResidual, (m1 - m0) * (n1 - n0));
      for (int64_t i = m0; i < m1; ++i) std::copy_n(ep.residual + i * ep.ldr + n0, n1 - n0, saved + (i - m0) * (n1 - n0));
      residual = saved, ldr = n1 - n0, res_m0 = m0, res_n0 = n0;
    }
  }

  // Column blocks of whole panels, as even as they can be (N = 700 runs as 240 + 240 + 220, not 320 + 320 +
  // 60), within the L2 budget of a KC x NC block of B: a shallower K (160, 64) takes more columns per block.
  const int64_t max_nc = std::max<int64_t>(cfg.nr, cfg.nc * cfg.kc / std::max<int64_t>(kb.size, 1) / cfg.nr * cfg.nr);
  const int64_t nblocks = (n1 - n0 + max_nc - 1) / max_nc;
  const int64_t nc_step = ((n1 - n0 + nblocks - 1) / nblocks + cfg.nr - 1) / cfg.nr * cfg.nr;
  for (int64_t jc = n0; jc < n1; jc += nc_step) {
    const int64_t nc = std::min(nc_step, n1 - jc);
    for (int64_t blk = 0; blk < kb.count; ++blk) {
      const int64_t k0 = blk * kb.size, depth = std::min(kb.size, p.K - k0);
      const float* b;
      if (p.b_packed) {
        b = p.b + k0 * npad + jc * depth;
      } else {
        float* block = thread_scratch(kPackedB, depth * (nc + cfg.nr));
        pack_b_block(block, p.b, p.ldb, p.b_trans, k0, depth, jc, nc, cfg.nr);
        b = block;
      }
      GemmUkernelArgs args;
      args.m = m1 - m0, args.n = nc, args.k = depth;
      args.a = p.a_col_major ? p.a + k0 * p.lda + m0 : p.a + m0 * p.lda + k0;
      args.lda = p.lda, args.a_col_major = p.a_col_major;
      args.b = b;
      args.c = p.c + m0 * p.ldc + jc, args.ldc = p.ldc;
      args.accumulate = blk > 0 || c_holds_residual, args.last = blk == kb.count - 1;
      args.bias = ep.bias ? ep.bias + jc : nullptr, args.activation = ep.activation;
      args.residual = residual ? residual + (m0 - res_m0) * ldr + (jc - res_n0) : nullptr, args.ldr = ldr;
      ke.kernel(args);
    }
  }
}

// Packing an element of B costs about as much as this many rows of FMAs on it (0.3 ns against 2 FLOPs at
// ~90 GFLOP/s per core); a thread packs the B columns it uses, so row bands pack the same B twice.
constexpr int64_t kPackCostRows = 16;

// Splits C into a grid of threads (tm row bands x tn column bands), row bands unless they leave much more
// work in the largest piece (each thread then streams its own A against the shared B). The split
// only decides which thread computes a tile, never how: every element of C is reduced over K in the same
// order whatever the thread count, so results are bit-identical for any number of threads.
void run(const Problem& p, const KernelEntry& ke, int threads) {
  const GemmConfig& cfg = ke.config;
  const int64_t mtiles = (p.M + cfg.mr - 1) / cfg.mr, npanels = (p.N + cfg.nr - 1) / cfg.nr;
  if (p.M == 0 || p.N == 0) return;
  if (is_small(p.M, p.N, p.K)) threads = 1;
  threads = static_cast<int>(std::min<int64_t>(threads, mtiles * npanels));
  if (threads <= 1) return run_range(p, ke, 0, p.M, 0, p.N);
#pragma omp parallel num_threads(threads)
  {
    const int nt = omp_get_num_threads(), t = omp_get_thread_num();
    // The largest piece's work (in row x panel units) for each grid; then the most row bands whose work is
    // within 1/8 of the least. Row bands read only their own rows of A and write whole rows of C, whereas
    // column bands each read all of A and share a cache line of C at every band edge in every row (C rows
    // need not be 64-byte aligned). With 2 threads on Zen 3 (medians of interleaved runs), 2 row bands take
    // 0.87x the time of the 2 column bands that the exact work count picked by one strip at 16384 x 128 x
    // 512, 0.66x at 16384 x 64 x 128 and 0.78x at 4096 x 160 x 160.
    std::vector<int64_t> work(static_cast<size_t>(nt) + 1);
    int64_t least = -1;
    for (int rows = nt; rows >= 1; --rows) {
      if (nt % rows) continue;
      const int64_t band_rows = (mtiles + rows - 1) / rows * cfg.mr, band_panels = (npanels + nt / rows - 1) / (nt / rows);
      work[rows] = band_panels * (band_rows + (p.b_packed ? 0 : kPackCostRows));
      if (least < 0 || work[rows] < least) least = work[rows];
    }
    int tm = 1;
    for (int rows = nt; rows >= 1; --rows)
      if (nt % rows == 0 && work[rows] * 8 <= least * 9) {
        tm = rows;
        break;
      }
    const int tn = nt / tm;
    const Range r = split_range(mtiles, tm, t / tn), c = split_range(npanels, tn, t % tn);
    run_range(p, ke, r.begin * cfg.mr, std::min(p.M, r.end * cfg.mr), c.begin * cfg.nr,
              std::min(p.N, c.end * cfg.nr));
  }
}

double gemm_bytes(int64_t M, int64_t N, int64_t K, const GemmEpilogue& ep) {
  return 4.0 * (M * K + K * N + M * N * (ep.residual ? 2 : 1) + (ep.bias ? N : 0));
}

}  // namespace

const GemmConfig& gemm_config(Isa isa) { return kKernels[static_cast<int>(isa)].config; }

void gemm_f32(int64_t M, const float* A, int64_t lda, const PackedB& B, float* C, int64_t ldc,
              const GemmEpilogue& epilogue) {
  LSAM_PROFILE("gemm", 2.0 * M * B.n() * B.k(), gemm_bytes(M, B.n(), B.k(), epilogue));
  run({M, B.n(), B.k(), A, lda, false, B.panels(), 0, true, false, C, ldc, epilogue}, kernel_for(B.isa()),
      available_threads());
}

void gemm_f32(int64_t M, int64_t N, int64_t K, const float* A, int64_t lda, bool trans_a, const float* B, int64_t ldb,
              bool trans_b, float* C, int64_t ldc, const GemmEpilogue& epilogue) {
  LSAM_PROFILE("gemm", 2.0 * M * N * K, gemm_bytes(M, N, K, epilogue));
  run({M, N, K, A, lda, trans_a, B, ldb, false, trans_b, C, ldc, epilogue}, kernel_for(active_isa()),
      available_threads());
}

void gemm_f32_batched(int64_t batch, int64_t M, int64_t N, int64_t K, const float* A, int64_t lda, int64_t stride_a,
                      bool trans_a, const float* B, int64_t ldb, int64_t stride_b, bool trans_b, float* C, int64_t ldc,
                      int64_t stride_c, const GemmEpilogue& epilogue) {
  LSAM_PROFILE("gemm", 2.0 * batch * M * N * K, batch * gemm_bytes(M, N, K, epilogue));
  const KernelEntry& ke = kernel_for(active_isa());
  const int threads = available_threads();
  auto product = [&](int64_t i, int product_threads) {
    GemmEpilogue ep = epilogue;
    if (ep.residual) ep.residual += i * stride_c;
    run({M, N, K, A + i * stride_a, lda, trans_a, B + i * stride_b, ldb, false, trans_b, C + i * stride_c, ldc, ep},
        ke, product_threads);
  };
  // Many products (attention heads x windows): one thread per product. Few large
  // ones that would leave threads idle in the last round: every thread works inside each product.
  const bool across = batch >= threads && (batch % threads == 0 || batch >= 4 * threads || is_small(M, N, K));
  if (across) {
#pragma omp parallel for num_threads(threads) schedule(static) if (threads > 1)
    for (int64_t i = 0; i < batch; ++i) product(i, 1);
  } else {
    for (int64_t i = 0; i < batch; ++i) product(i, threads);
  }
}

}  // namespace lsam
