// Every eltwise variant this CPU can run against the scalar reference, at odd sizes so that every tail is hit.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "engine/cpu.h"
#include "engine/threads.h"
#include "kernels/eltwise/eltwise.h"

using namespace lsam;

namespace {

const int64_t kSizes[] = {1, 3, 7, 15, 16, 17, 64, 160, 255, 320, 1280};

struct Variants {
  Isa isa;
  decltype(&activation_f32_ref) activation;
  decltype(&add_f32_ref) add;
  decltype(&mul_f32_ref) mul;
  decltype(&scale_add_f32_ref) scale_add;
  decltype(&add_rows_f32_ref) add_rows;
};

std::vector<Variants> vector_variants() {
  std::vector<Variants> v;
  if (isa_supported(Isa::avx2))
    v.push_back({Isa::avx2, activation_f32_avx2, add_f32_avx2, mul_f32_avx2, scale_add_f32_avx2, add_rows_f32_avx2});
  if (isa_supported(Isa::avx512))
    v.push_back({Isa::avx512, activation_f32_avx512, add_f32_avx512, mul_f32_avx512, scale_add_f32_avx512,
                 add_rows_f32_avx512});
  return v;
}

std::vector<float> random_floats(int64_t n, float lo, float hi, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(static_cast<size_t>(n));
  for (float& x : v) x = dist(rng);
  return v;
}

// Inputs for activations: a dense sweep of the interesting range plus the values where approximations break.
std::vector<float> activation_inputs() {
  std::vector<float> v;
  for (int i = -200000; i <= 200000; ++i) v.push_back(static_cast<float>(i) * 6e-5f);  // [-12, 12]
  const float inf = std::numeric_limits<float>::infinity();
  for (float x : {0.f,  -0.f,  1e-30f, -1e-30f, 5.656854f, -5.656854f, 5.66f, -5.66f, 30.f, -30.f,
                  87.f, -87.f, 88.5f,  -88.5f,  100.f,     -100.f,     1e30f, -1e30f, inf,  -inf})
    v.push_back(x);
  return v;
}

// Allowed |variant - ref| for one element. ref is exact to double precision, rounded once to float.
float activation_tolerance(Activation act, float x, float ref) {
  switch (act) {
    case Activation::none:
    case Activation::relu: return 0.f;
    // GELU is x h with h = (1 + erf(u)) / 2, u = x / sqrt 2, erf the float rational of kernels/simd/math.inc:
    // within E = 5.1e-7 of erf (5.02e-7 measured over every float in [2^-10, 4]; past the clamps h is exactly 0
    // or 1, within 7.7e-9 of the truth). Rounding x / sqrt 2 moves u by 1.2e-7 relative, erf(u) by at most
    // max|t erf'(t)| = 0.48 times that: 5.8e-8. h rounds once (6e-8 near 1), x h once (6e-8 |x|) and the
    // reference once (6e-8 |x|):
    //   |got - ref| <= |x| ((E + 5.8e-8) / 2 + 6e-8 + 6e-8 + 6e-8) = 4.7e-7 |x|   (2.6e-7 |x| measured).
    case Activation::gelu: return 4.7e-7f * std::fabs(x);
    // e^-x is within ~1 ulp, 1 + e^-x and the division add one rounding each: 3 ulp of |y| (3.6e-7 relative).
    // e^-x overflows to inf from x = -88.38 rather than -88.72: y there is -0 instead of ~1e-37.
    case Activation::silu: return 3.6e-7f * std::fabs(ref) + 1e-35f;
  }
  return 0.f;
}

}  // namespace

TEST_CASE("activations: every variant against the scalar reference") {
  const std::vector<float> x = activation_inputs();
  const int64_t n = static_cast<int64_t>(x.size());
  for (const Variants& v : vector_variants()) {
    for (Activation act : {Activation::none, Activation::relu, Activation::gelu, Activation::silu}) {
      const std::string what = std::string(isa_name(v.isa)) + " " + activation_name(act);
      INFO(what);
      std::vector<float> ref(x.size()), got(x.size());
      activation_f32_ref(act, n, x.data(), ref.data());
      v.activation(act, n, x.data(), got.data());
      int bad = 0;
      for (size_t i = 0; i < x.size(); ++i) {
        const float d = std::fabs(got[i] - ref[i]);
        const bool ok =
            std::isnan(ref[i]) ? std::isnan(got[i]) : got[i] == ref[i] || d <= activation_tolerance(act, x[i], ref[i]);
        if (!ok) {
          if (bad++ < 5) MESSAGE("x=", x[i], " ref=", ref[i], " got=", got[i]);
        }
      }
      CHECK(bad == 0);
    }
  }
}

TEST_CASE("activations: tails and in-place at odd sizes") {
  for (const Variants& v : vector_variants()) {
    for (int64_t n : kSizes) {
      const std::string isa = isa_name(v.isa);
      INFO(isa);
      CAPTURE(n);
      const std::vector<float> x = random_floats(n, -6.f, 6.f, static_cast<unsigned>(n));
      for (Activation act : {Activation::relu, Activation::gelu, Activation::silu}) {
        std::vector<float> ref(x.size()), got(x.size() + 1, 42.f), inplace = x;
        activation_f32_ref(act, n, x.data(), ref.data());
        v.activation(act, n, x.data(), got.data());
        v.activation(act, n, inplace.data(), inplace.data());
        for (int64_t i = 0; i < n; ++i) {
          REQUIRE(std::fabs(got[i] - ref[i]) <= activation_tolerance(act, x[i], ref[i]));
          REQUIRE(inplace[i] == got[i]);
        }
        REQUIRE(got[n] == 42.f);  // the masked tail store wrote nothing past the end
      }
    }
  }
}

// Sums and products round once, like the reference (which uses fma for scale_add): results are bit-exact.
TEST_CASE("add, mul, scale_add, add_rows: bit-exact against the reference") {
  for (const Variants& v : vector_variants()) {
    for (int64_t n : kSizes) {
      const std::string isa = isa_name(v.isa);
      INFO(isa);
      CAPTURE(n);
      const std::vector<float> a = random_floats(n, -3.f, 3.f, 1), b = random_floats(n, -3.f, 3.f, 2);
      std::vector<float> ref(a.size()), got(a.size());
      add_f32_ref(n, a.data(), b.data(), ref.data());
      v.add(n, a.data(), b.data(), got.data());
      CHECK(got == ref);
      mul_f32_ref(n, a.data(), b.data(), ref.data());
      v.mul(n, a.data(), b.data(), got.data());
      CHECK(got == ref);
      scale_add_f32_ref(n, a.data(), 0.37f, b.data(), ref.data());
      got = a;  // in place on a
      v.scale_add(n, got.data(), 0.37f, b.data(), got.data());
      CHECK(got == ref);

      const int64_t rows = 5, ld = n + 3;
      const std::vector<float> x = random_floats(rows * ld, -3.f, 3.f, 3);
      std::vector<float> yr(static_cast<size_t>(rows * ld), 0.f), yg = yr;
      add_rows_f32_ref(rows, n, x.data(), ld, b.data(), yr.data(), ld);
      v.add_rows(rows, n, x.data(), ld, b.data(), yg.data(), ld);
      CHECK(yg == yr);  // padding columns stay untouched in both
    }
  }
}

TEST_CASE("eltwise entry points: every ISA, several threads, match the reference") {
  const Isa saved = active_isa();
  const int64_t n = 300007;  // several chunks per thread, odd tail
  const std::vector<float> a = random_floats(n, -8.f, 8.f, 4), b = random_floats(n, -8.f, 8.f, 5);
  std::vector<float> ref(a.size()), got(a.size());
  for (Isa isa : {Isa::scalar, Isa::avx2, Isa::avx512}) {
    if (!isa_supported(isa)) continue;
    const std::string name = isa_name(isa);
    INFO(name);
    set_active_isa(isa);
    activation_f32_ref(Activation::gelu, n, a.data(), ref.data());
    activation_f32(Activation::gelu, n, a.data(), got.data());
    for (int64_t i = 0; i < n; ++i)
      REQUIRE(std::fabs(got[i] - ref[i]) <= activation_tolerance(Activation::gelu, a[i], ref[i]));
    add_f32_ref(n, a.data(), b.data(), ref.data());
    add_f32(n, a.data(), b.data(), got.data());
    CHECK(got == ref);
    mul_f32_ref(n, a.data(), b.data(), ref.data());
    mul_f32(n, a.data(), b.data(), got.data());
    CHECK(got == ref);
    scale_add_f32_ref(n, a.data(), -1.5f, b.data(), ref.data());
    scale_add_f32(n, a.data(), -1.5f, b.data(), got.data());
    CHECK(got == ref);
    add_rows_f32_ref(n / 61, 61, a.data(), 61, b.data(), ref.data(), 61);
    add_rows_f32(n / 61, 61, a.data(), 61, b.data(), got.data(), 61);
    CHECK(std::equal(got.begin(), got.begin() + n / 61 * 61, ref.begin()));
  }
  set_active_isa(saved);
}

TEST_CASE("activation names") {
  CHECK(std::string(activation_name(Activation::gelu)) == "gelu");
  CHECK(std::string(activation_name(Activation::silu)) == "silu");
  CHECK(activation_ref(Activation::relu, -2.f) == 0.f);
  CHECK(std::fabs(activation_ref(Activation::gelu, 1.f) - 0.8413447f) < 1e-7f);
}
