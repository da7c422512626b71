// CPU feature detection and the process-wide ISA level that kernels dispatch on.
#pragma once

namespace lsam {

// Ordered: a level implies every level below it.
enum class Isa : int { scalar = 0, avx2 = 1, avx512 = 2 };

struct CpuFeatures {
  bool avx2 = false, fma = false, f16c = false;
  bool avx512f = false, avx512bw = false, avx512vl = false, avx512dq = false;
  bool avx512vnni = false, avxvnni = false;
};

// Read once via CPUID/XGETBV (OS support for the wider register state included).
const CpuFeatures& cpu_features();

// Highest level this CPU (and OS) can run.
Isa max_supported_isa();

// The level kernels use: max_supported_isa(), or LSAM_ISA=scalar|avx2|avx512 (any level the CPU has).
// Asking for a level the CPU lacks throws std::runtime_error naming what is missing.
Isa active_isa();

// Force a level (tests and benchmarks); throws if the CPU cannot run it.
void set_active_isa(Isa level);

bool isa_supported(Isa level);
const char* isa_name(Isa level);
// Parses "scalar", "avx2", "avx512"; throws on anything else.
Isa parse_isa(const char* name);

// The variant of a kernel for active_isa(), for drivers whose variants share one signature.
template <class Fn>
Fn* pick_variant(Fn* ref, Fn* avx2, Fn* avx512) {
  switch (active_isa()) {
    case Isa::avx512: return avx512;
    case Isa::avx2: return avx2;
    case Isa::scalar: break;
  }
  return ref;
}

}  // namespace lsam
