// Portable instantiation of the fused attention kernel (flash.inc), for CPUs without AVX2 and LSAM_ISA=scalar.
// Its vector is a plain 16-float array and its tile is AVX-512's (12 x 32), so the tests run that blocking
// (padding to 16 keys, 12-row tiles) on every machine, AVX-512 or not.
#include <cmath>
#include <cstdint>
#include <cstring>

#include "kernels/attention/attention.h"

namespace lsam {
namespace {

struct Portable {
  static constexpr int kWidth = 16;
  static constexpr int kMr = 12;
  struct Reg {
    float v[kWidth];
  };

  template <class F>
  static Reg map(F f) {
    Reg r;
    for (int i = 0; i < kWidth; ++i) r.v[i] = f(i);
    return r;
  }

  static Reg zero() { return set1(0.0f); }
  static Reg set1(float x) { return map([&](int) { return x; }); }
  static Reg load(const float* p) { return map([&](int i) { return p[i]; }); }
  static Reg load_first(const float* p, int n) { return map([&](int i) { return i < n ? p[i] : 0.0f; }); }
  static void store(float* p, Reg x) { std::memcpy(p, x.v, sizeof x.v); }
  static void store_first(float* p, Reg x, int n) { std::memcpy(p, x.v, sizeof(float) * static_cast<size_t>(n)); }
  static Reg add(Reg a, Reg b) { return map([&](int i) { return a.v[i] + b.v[i]; }); }
  static Reg sub(Reg a, Reg b) { return map([&](int i) { return a.v[i] - b.v[i]; }); }
  static Reg mul(Reg a, Reg b) { return map([&](int i) { return a.v[i] * b.v[i]; }); }
  // Like maxps: the second operand when either is NaN.
  static Reg max(Reg a, Reg b) { return map([&](int i) { return a.v[i] > b.v[i] ? a.v[i] : b.v[i]; }); }
  // Unfused: without hardware FMA, std::fma is a slow library call.
  static Reg fma(Reg a, Reg b, Reg c) { return map([&](int i) { return a.v[i] * b.v[i] + c.v[i]; }); }
  static Reg select_first(Reg a, Reg b, int n) { return map([&](int i) { return i < n ? a.v[i] : b.v[i]; }); }
  static float reduce_max(Reg x) {
    float m = x.v[0];
    for (int i = 1; i < kWidth; ++i) m = x.v[i] > m ? x.v[i] : m;
    return m;
  }
  static float reduce_add(Reg x) {
    float s = 0.0f;
    for (int i = 0; i < kWidth; ++i) s += x.v[i];
    return s;
  }
  static Reg pow2_of_rounded(Reg t) {
    return map([&](int i) {
      uint32_t bits;
      std::memcpy(&bits, &t.v[i], sizeof bits);
      bits = (bits + 127u) << 23;
      float f;
      std::memcpy(&f, &bits, sizeof f);
      return f;
    });
  }
  static void transpose(Reg (&r)[kWidth]) {
    for (int i = 0; i < kWidth; ++i)
      for (int j = i + 1; j < kWidth; ++j) {
        const float x = r[i].v[j];
        r[i].v[j] = r[j].v[i];
        r[j].v[i] = x;
      }
  }
};

#include "kernels/attention/flash.inc"

}  // namespace

AttentionPlan attention_plan_f32_scalar(const AttentionArgs& args) { return Flash<Portable>::plan(args); }

void attention_f32_scalar(const AttentionArgs& args, const AttentionPlan& plan, int64_t first, int64_t last,
                          float* scratch) {
  Flash<Portable>::run(args, plan, first, last, scratch);
}

}  // namespace lsam
