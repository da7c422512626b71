#include "engine/cpu.h"

#include <cpuid.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>

namespace lsam {
namespace {

unsigned long long read_xcr0() {
  unsigned eax, edx;
  __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
  return (static_cast<unsigned long long>(edx) << 32) | eax;
}

CpuFeatures detect() {
  CpuFeatures f;
  unsigned a, b, c, d;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return f;
  const bool osxsave = c & bit_OSXSAVE;
  if (!osxsave) return f;
  const unsigned long long xcr0 = read_xcr0();
  const bool ymm_state = (xcr0 & 0x6) == 0x6;            // SSE + AVX state
  const bool zmm_state = (xcr0 & 0xe6) == 0xe6;          // + opmask, ZMM_Hi256, Hi16_ZMM
  const bool avx = (c & bit_AVX) && ymm_state;
  f.fma = avx && (c & bit_FMA);
  f.f16c = avx && (c & bit_F16C);
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return f;
  f.avx2 = avx && (b & bit_AVX2);
  f.avx512f = zmm_state && (b & bit_AVX512F);
  f.avx512bw = f.avx512f && (b & bit_AVX512BW);
  f.avx512vl = f.avx512f && (b & bit_AVX512VL);
  f.avx512dq = f.avx512f && (b & bit_AVX512DQ);
  f.avx512vnni = f.avx512f && (c & bit_AVX512VNNI);
  if (__get_cpuid_count(7, 1, &a, &b, &c, &d)) f.avxvnni = avx && (a & (1u << 4));
  return f;
}

Isa level_from_env() {
  const Isa best = max_supported_isa();
  const char* env = std::getenv("LSAM_ISA");
  if (!env || !*env) return best;
  const Isa wanted = parse_isa(env);
  if (!isa_supported(wanted))
    throw std::runtime_error(std::string("LSAM_ISA=") + env + ": this CPU supports at most " + isa_name(best));
  return wanted;
}

std::atomic<int>& active_level() {
  static std::atomic<int> level{static_cast<int>(level_from_env())};
  return level;
}

}  // namespace

const CpuFeatures& cpu_features() {
  static const CpuFeatures features = detect();
  return features;
}

bool isa_supported(Isa level) {
  const CpuFeatures& f = cpu_features();
  switch (level) {
    case Isa::scalar: return true;
    case Isa::avx2: return f.avx2 && f.fma && f.f16c;
    case Isa::avx512: return isa_supported(Isa::avx2) && f.avx512f && f.avx512bw && f.avx512vl && f.avx512dq;
  }
  return false;
}

Isa max_supported_isa() {
  if (isa_supported(Isa::avx512)) return Isa::avx512;
  if (isa_supported(Isa::avx2)) return Isa::avx2;
  return Isa::scalar;
}

Isa active_isa() { return static_cast<Isa>(active_level().load(std::memory_order_relaxed)); }

void set_active_isa(Isa level) {
  if (!isa_supported(level))
    throw std::runtime_error(std::string("ISA ") + isa_name(level) + " is not supported by this CPU (max " +
                             isa_name(max_supported_isa()) + ")");
  active_level().store(static_cast<int>(level), std::memory_order_relaxed);
}

const char* isa_name(Isa level) {
  switch (level) {
    case Isa::scalar: return "scalar";
    case Isa::avx2: return "avx2";
    case Isa::avx512: return "avx512";
  }
  return "?";
}

Isa parse_isa(const char* name) {
  if (!std::strcmp(name, "scalar")) return Isa::scalar;
  if (!std::strcmp(name, "avx2")) return Isa::avx2;
  if (!std::strcmp(name, "avx512")) return Isa::avx512;
  throw std::runtime_error(std::string("unknown ISA '") + name + "' (expected scalar, avx2 or avx512)");
}

}  // namespace lsam
