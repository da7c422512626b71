// LayerNorm and softmax: every variant this CPU can run against the double-precision reference, at odd widths
// (every tail length of both vector sizes), with row strides wider than the rows, and in place.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "engine/cpu.h"
#include "kernels/norm/norm.h"

using namespace lsam;

namespace {

const int64_t kDims[] = {1, 3, 7, 15, 16, 17, 64, 160, 255, 320, 1280};

struct Variants {
  Isa isa;
  decltype(&layernorm_f32_ref) layernorm;
  decltype(&softmax_f32_ref) softmax;
  decltype(&softmax_mid_f32_ref) softmax_mid;
};

std::vector<Variants> vector_variants() {
  std::vector<Variants> v;
  if (isa_supported(Isa::avx2)) v.push_back({Isa::avx2, layernorm_f32_avx2, softmax_f32_avx2, softmax_mid_f32_avx2});
  if (isa_supported(Isa::avx512)) v.push_back({Isa::avx512, layernorm_f32_avx512, softmax_f32_avx512, softmax_mid_f32_avx512});
  return v;
}

std::vector<float> random_floats(int64_t n, float lo, float hi, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(static_cast<size_t>(n));
  for (float& x : v) x = dist(rng);
  return v;
}

// Allowed |variant - ref| for y = softmax(x)[i] in a row with maximum m. x - m is rounded to float (as in
// torch), which moves e^(x - m) by up to half an ulp of |x - m|, 6e-8 |x - m| relative; e^x is within ~1 ulp,
// the sum of up to 1280 terms within a few ulp (rows in 2 x lanes partial sums, columns in blocks of 32), then one reciprocal and one product: ~4 ulp, 6e-7 relative.
// Terms more than 87.7 below the maximum flush to 0 where the reference keeps a denormal-sized value.
float softmax_tolerance(float x, float m, float ref) { return (6e-7f + 6e-8f * (m - x)) * ref + 1e-30f; }

float row_max(const float* x, int64_t n) { return *std::max_element(x, x + n); }

// The maximum of column i of [n, inner] x.
float column_max(const float* x, int64_t n, int64_t inner, int64_t i) {
  float m = -INFINITY;
  for (int64_t j = 0; j < n; ++j) m = std::max(m, x[j * inner + i]);
  return m;
}

// Checks softmax_mid output y against the reference for x [outer, n, inner].
void check_softmax_mid(const std::vector<float>& x, const std::vector<float>& ref, const std::vector<float>& y,
                       int64_t outer, int64_t n, int64_t inner) {
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      const float m = column_max(x.data() + o * n * inner, n, inner, i);
      for (int64_t j = 0; j < n; ++j) {
        const size_t k = static_cast<size_t>((o * n + j) * inner + i);
        REQUIRE(std::fabs(y[k] - ref[k]) <= softmax_tolerance(x[k], m, ref[k]));
      }
    }
}

}  // namespace

// Inputs are 3 + U(-2, 2), so the mean matters. The float variants sum up to 1280 terms in 2 x lanes
// accumulators: the mean and the variance are off by a few 1e-7 relative, which moves y = x_hat * gamma + beta
// (|x_hat| <= ~1.8, |gamma| <= 1.5) by ~1e-6 at most (observed: below 1e-6); 4e-6 absolute leaves margin
// without hiding a wrong formula (a wrong eps, or an unbiased variance at dim 1280, shows up at 1e-4 and above).
TEST_CASE("layernorm: every variant against the reference") {
  const int64_t rows = 9;
  for (const Variants& v : vector_variants()) {
    for (int64_t dim : kDims) {
      const std::string what = std::string(isa_name(v.isa)) + " dim " + std::to_string(dim);
      INFO(what);
      const int64_t ld = dim + 5;
      const std::vector<float> x = random_floats(rows * ld, 1.f, 5.f, static_cast<unsigned>(dim));
      const std::vector<float> gamma = random_floats(dim, -1.5f, 1.5f, 7), beta = random_floats(dim, -1.f, 1.f, 8);
      std::vector<float> ref(x.size(), -7.f), got = ref, inplace = x;
      layernorm_f32_ref(rows, dim, x.data(), ld, gamma.data(), beta.data(), 1e-6f, ref.data(), ld, {});
      v.layernorm(rows, dim, x.data(), ld, gamma.data(), beta.data(), 1e-6f, got.data(), ld, {});
      v.layernorm(rows, dim, inplace.data(), ld, gamma.data(), beta.data(), 1e-6f, inplace.data(), ld, {});
      for (int64_t r = 0; r < rows; ++r) {
        for (int64_t i = 0; i < ld; ++i) {
          const size_t k = static_cast<size_t>(r * ld + i);
          if (i >= dim) {
            REQUIRE(got[k] == -7.f);  // the stride padding is never written
            continue;
          }
          REQUIRE(std::fabs(got[k] - ref[k]) <= 4e-6f);
          REQUIRE(inplace[k] == got[k]);
        }
      }
    }
  }
}

// The epilogue: GELU on y, and y + addend as a second output. GELU's slope is at most 1.13, so y's 4e-6 becomes
// 4.5e-6, and the float erf adds up to 4.7e-7 |y| (kernels/simd/math.inc), 1.5e-6 at the |y| <= ~3 here:
// 6e-6. The sum adds one rounding, half an ulp of |sum| <= 4: 2.4e-7 more.
TEST_CASE("layernorm: activation and sum epilogue, every variant against the reference") {
  const int64_t rows = 9;
  for (const Variants& v : vector_variants()) {
    for (int64_t dim : kDims) {
      for (Activation act : {Activation::none, Activation::gelu}) {
        const std::string what = std::string(isa_name(v.isa)) + " dim " + std::to_string(dim) +
                                 (act == Activation::gelu ? " gelu" : " none");
        INFO(what);
        const std::vector<float> x = random_floats(rows * dim, 1.f, 5.f, static_cast<unsigned>(dim));
        const std::vector<float> gamma = random_floats(dim, -1.5f, 1.5f, 7), beta = random_floats(dim, -1.f, 1.f, 8);
        const std::vector<float> addend = random_floats(rows * dim, -1.f, 1.f, 9);
        std::vector<float> ref(x.size()), ref_sum(x.size()), got(x.size()), got_sum(x.size());
        layernorm_f32_ref(rows, dim, x.data(), dim, gamma.data(), beta.data(), 1e-6f, ref.data(), dim,
                          {act, addend.data(), ref_sum.data()});
        v.layernorm(rows, dim, x.data(), dim, gamma.data(), beta.data(), 1e-6f, got.data(), dim,
                    {act, addend.data(), got_sum.data()});
        for (size_t k = 0; k < x.size(); ++k) {
          REQUIRE(std::fabs(got[k] - ref[k]) <= 6e-6f);
          REQUIRE(std::fabs(got_sum[k] - ref_sum[k]) <= 6.3e-6f);
        }
        std::vector<float> alone(x.size());  // without the sum, y is the same
        v.layernorm(rows, dim, x.data(), dim, gamma.data(), beta.data(), 1e-6f, alone.data(), dim, {act});
        REQUIRE(alone == got);
      }
    }
  }
}

TEST_CASE("layernorm: a constant row normalises to beta") {
  for (const Variants& v : vector_variants()) {
    const std::vector<float> x(40, 2.5f), gamma(40, 3.f), beta = random_floats(40, -1.f, 1.f, 3);
    std::vector<float> y(40);
    v.layernorm(1, 40, x.data(), 40, gamma.data(), beta.data(), 1e-5f, y.data(), 40, {});
    CHECK(y == beta);
  }
}

TEST_CASE("softmax: every variant against the reference") {
  const int64_t rows = 7;
  for (const Variants& v : vector_variants()) {
    for (int64_t dim : kDims) {
      for (float range : {4.f, 40.f, 400.f}) {
        const std::string what =
            std::string(isa_name(v.isa)) + " dim " + std::to_string(dim) + " range " + std::to_string(range);
        INFO(what);
        const int64_t ld = dim + 3;
        const std::vector<float> x = random_floats(rows * ld, -range, range, static_cast<unsigned>(dim));
        std::vector<float> ref(x.size(), -7.f), got = ref, inplace = x;
        softmax_f32_ref(rows, dim, x.data(), ld, ref.data(), ld);
        v.softmax(rows, dim, x.data(), ld, got.data(), ld);
        v.softmax(rows, dim, inplace.data(), ld, inplace.data(), ld);
        for (int64_t r = 0; r < rows; ++r) {
          for (int64_t i = 0; i < ld; ++i) {
            const size_t k = static_cast<size_t>(r * ld + i);
            if (i >= dim) {
              REQUIRE(got[k] == -7.f);
              continue;
            }
            REQUIRE(std::fabs(got[k] - ref[k]) <= softmax_tolerance(x[k], row_max(&x[r * ld], dim), ref[k]));
            REQUIRE(inplace[k] == got[k]);
          }
        }
      }
    }
  }
}

// Column counts around both vector widths, including SAM's 8 heads and 56 = 8 heads x 7 tokens; columns are
// computed in an [i0, i1) window to check that nothing outside it is touched. Rows up to 16 wait for the sum in
// a stack buffer (7, 16); 4100 rows take blocks of 16 columns (40 = 16 + 16 + 8).
TEST_CASE("softmax_mid: every variant against the reference") {
  const int64_t shapes[][3] = {{3, 7, 8},  {2, 7, 1},   {1, 300, 56}, {2, 5, 17},  {1, 33, 9},
                               {4, 1, 5},  {2, 13, 40}, {2, 16, 20},  {1, 4100, 40}};
  for (const Variants& v : vector_variants()) {
    for (const auto& s : shapes) {
      for (float range : {4.f, 400.f}) {
        const int64_t outer = s[0], n = s[1], inner = s[2];
        const std::string what = std::string(isa_name(v.isa)) + " shape " + std::to_string(outer) + "x" +
                                 std::to_string(n) + "x" + std::to_string(inner) + " range " + std::to_string(range);
        INFO(what);
        const std::vector<float> x = random_floats(outer * n * inner, -range, range, static_cast<unsigned>(n * inner));
        std::vector<float> ref(x.size()), got(x.size()), inplace = x;
        softmax_mid_f32_ref(outer, n, inner, 0, inner, x.data(), ref.data());
        v.softmax_mid(outer, n, inner, 0, inner, x.data(), got.data());
        v.softmax_mid(outer, n, inner, 0, inner, inplace.data(), inplace.data());
        check_softmax_mid(x, ref, got, outer, n, inner);
        REQUIRE(inplace == got);
        if (inner < 3) continue;
        std::vector<float> window(x.size(), -7.f);
        v.softmax_mid(outer, n, inner, 1, inner - 1, x.data(), window.data());
        for (size_t k = 0; k < x.size(); ++k) {
          const int64_t i = static_cast<int64_t>(k) % inner;
          REQUIRE(window[k] == (i == 0 || i == inner - 1 ? -7.f : got[k]));
        }
      }
    }
  }
}

TEST_CASE("softmax: -inf entries (masked scores) get exactly 0") {
  for (const Variants& v : vector_variants()) {
    std::vector<float> x = random_floats(37, -3.f, 3.f, 11);
    for (size_t i = 0; i < x.size(); i += 3) x[i] = -INFINITY;
    std::vector<float> y(x.size());
    v.softmax(1, 37, x.data(), 37, y.data(), 37);
    for (size_t i = 0; i < x.size(); i += 3) CHECK(y[i] == 0.f);
  }
}

TEST_CASE("norm entry points: every ISA, several threads, match the reference") {
  const Isa saved = active_isa();
  const int64_t rows = 1000, dim = 320;
  const std::vector<float> x = random_floats(rows * dim, -4.f, 4.f, 21);
  const std::vector<float> gamma = random_floats(dim, -1.5f, 1.5f, 22), beta = random_floats(dim, -1.f, 1.f, 23);
  std::vector<float> ref(x.size()), got(x.size());
  for (Isa isa : {Isa::scalar, Isa::avx2, Isa::avx512}) {
    if (!isa_supported(isa)) continue;
    const std::string name = isa_name(isa);
    INFO(name);
    set_active_isa(isa);
    layernorm_f32_ref(rows, dim, x.data(), dim, gamma.data(), beta.data(), 1e-5f, ref.data(), dim, {});
    layernorm_f32(rows, dim, x.data(), dim, gamma.data(), beta.data(), 1e-5f, got.data(), dim);
    for (size_t i = 0; i < x.size(); ++i) REQUIRE(std::fabs(got[i] - ref[i]) <= 4e-6f);
    std::vector<float> ref_sum(x.size()), got_sum(x.size());  // the epilogue's pointers follow each thread's rows
    layernorm_f32_ref(rows, dim, x.data(), dim, gamma.data(), beta.data(), 1e-5f, ref.data(), dim,
                      {Activation::gelu, x.data(), ref_sum.data()});
    layernorm_f32(rows, dim, x.data(), dim, gamma.data(), beta.data(), 1e-5f, got.data(), dim,
                  {Activation::gelu, x.data(), got_sum.data()});
    for (size_t i = 0; i < x.size(); ++i) REQUIRE(std::fabs(got_sum[i] - ref_sum[i]) <= 6e-6f + 4.8e-7f);  // |sum| <= 8
    softmax_f32_ref(rows, dim, x.data(), dim, ref.data(), dim);
    softmax_f32(rows, dim, x.data(), dim, got.data(), dim);
    for (size_t i = 0; i < x.size(); ++i)
      REQUIRE(std::fabs(got[i] - ref[i]) <= softmax_tolerance(x[i], row_max(&x[i / dim * dim], dim), ref[i]));
    // Split over the outer slices (1000 x [8, 40]) and over column groups (1 x [1000, 320]).
    for (const int64_t outer : {rows, int64_t{1}}) {
      const int64_t n = outer == 1 ? rows : 8, inner = static_cast<int64_t>(x.size()) / (outer * n);
      softmax_mid_f32_ref(outer, n, inner, 0, inner, x.data(), ref.data());
      softmax_mid_f32(outer, n, inner, x.data(), got.data());
      check_softmax_mid(x, ref, got, outer, n, inner);
    }
  }
  set_active_isa(saved);
}
