#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "engine/cpu.h"
#include "engine/threads.h"
#include "kernels/gemm/gemm.h"

namespace lsam {
namespace {

std::vector<Isa> supported_isas() {
  std::vector<Isa> isas;
  for (Isa isa : {Isa::scalar, Isa::avx2, Isa::avx512})
    if (isa_supported(isa)) isas.push_back(isa);
  return isas;
}

// Runs the scope under one ISA level / thread count and restores the previous one.
struct IsaScope {
  Isa saved = active_isa();
  explicit IsaScope(Isa isa) { set_active_isa(isa); }
  ~IsaScope() { set_active_isa(saved); }
};
struct ThreadScope {
  int saved = num_threads();
  explicit ThreadScope(int n) { set_num_threads(n); }
  ~ThreadScope() { set_num_threads(saved); }
};

std::vector<float> random_vector(size_t n, std::mt19937& rng) {
  std::uniform_real_distribution<float> dist(-1.f, 1.f);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

// A stored matrix with its leading dimension; ld > the minimum where `pad` says so, to catch stride bugs.
struct Matrix {
  int64_t rows, cols, ld;
  std::vector<float> data;
  Matrix(int64_t r, int64_t c, int64_t pad, std::mt19937& rng)
      : rows(r), cols(c), ld(c + pad), data(random_vector(static_cast<size_t>(r * (c + pad)), rng)) {}
};

std::vector<float> absolute(std::vector<float> v) {
  for (float& x : v) x = std::fabs(x);
  return v;
}

// Error bound for one element. A float dot product of length K summed in any order, fused or not, is off by
// at most gamma_K * sum|a||b| with gamma_K = K u / (1 - K u), u = 2^-24 (Higham, Accuracy and Stability of
// Numerical Algorithms, 3.1); an unfused multiply, the float partial sum stored between K blocks, the bias
// and the residual each add at most one more rounding, so (K + 4) u scales sum|a||b| + |bias|. The
// activations are Lipschitz with constant <= 1.13 (GELU; ReLU and SiLU <= 1.1) and our erf/exp add < 1e-6
// relative, and the residual add one rounding of the result. Factor 2 of slack on the whole.
double error_bound(int64_t K, double abs_sum, double result) {
  const double u = std::ldexp(1.0, -24);
  return 2 * (1.13 * (K + 4) * u * abs_sum + 1e-6 * std::fabs(result) + 1e-30);
}

struct Case {
  int64_t M, N, K;
  bool trans_a = false, trans_b = false;
  bool bias = false;
  Activation activation = Activation::none;
  enum { no_residual, separate_residual, residual_is_c } residual = no_residual;
  bool packed = false;  // through PackedB (trans_b then means PyTorch's W[N][K])
};

std::string describe(const Case& c, Isa isa) {
  return std::string(isa_name(isa)) + " M=" + std::to_string(c.M) + " N=" + std::to_string(c.N) +
         " K=" + std::to_string(c.K) + " ta=" + std::to_string(c.trans_a) + " tb=" + std::to_string(c.trans_b) +
         " bias=" + std::to_string(c.bias) + " act=" + std::to_string(static_cast<int>(c.activation)) +
         " res=" + std::to_string(static_cast<int>(c.residual)) + " packed=" + std::to_string(c.packed);
}

void check_case(const Case& c, Isa isa, std::mt19937& rng) {
  INFO(describe(c, isa));
  const IsaScope scope(isa);
  const Matrix A = c.trans_a ? Matrix(c.K, c.M, 3, rng) : Matrix(c.M, c.K, 1, rng);
  const Matrix B = c.trans_b ? Matrix(c.N, c.K, 2, rng) : Matrix(c.K, c.N, 5, rng);
  Matrix C(c.M, c.N, 4, rng), R(c.M, c.N, 2, rng);
  const std::vector<float> bias = random_vector(static_cast<size_t>(c.N), rng);

  GemmEpilogue ep;
  ep.bias = c.bias ? bias.data() : nullptr;
  ep.activation = c.activation;
  if (c.residual == Case::separate_residual) ep.residual = R.data.data(), ep.ldr = R.ld;
  std::vector<float> expected(static_cast<size_t>(c.M * C.ld)), bound_sum(expected.size());
  GemmEpilogue ref_ep = ep;
  if (c.residual == Case::residual_is_c) ref_ep.residual = C.data.data(), ref_ep.ldr = C.ld;
  gemm_f32_ref(c.M, c.N, c.K, A.data.data(), A.ld, c.trans_a, B.data.data(), B.ld, c.trans_b, expected.data(), C.ld,
               ref_ep);
  const std::vector<float> abs_a = absolute(A.data), abs_b = absolute(B.data), abs_bias = absolute(bias);
  GemmEpilogue abs_ep;
  abs_ep.bias = c.bias ? abs_bias.data() : nullptr;
  gemm_f32_ref(c.M, c.N, c.K, abs_a.data(), A.ld, c.trans_a, abs_b.data(), B.ld, c.trans_b, bound_sum.data(), C.ld,
               abs_ep);

  if (c.residual == Case::residual_is_c) ep.residual = C.data.data(), ep.ldr = C.ld;
  if (c.packed) {
    const PackedB packed = PackedB::pack(B.data.data(), c.K, c.N, B.ld, c.trans_b, isa);
    gemm_f32(c.M, A.data.data(), A.ld, packed, C.data.data(), C.ld, ep);
  } else {
    gemm_f32(c.M, c.N, c.K, A.data.data(), A.ld, c.trans_a, B.data.data(), B.ld, c.trans_b, C.data.data(), C.ld, ep);
  }
  int bad = 0;
  for (int64_t i = 0; i < c.M; ++i)
    for (int64_t j = 0; j < c.N; ++j) {
      const size_t at = static_cast<size_t>(i * C.ld + j);
      const double err = std::fabs(double(C.data[at]) - expected[at]);
      if (!(err <= error_bound(c.K, bound_sum[at], expected[at])) && bad++ < 5)
        FAIL_CHECK("C[" << i << "][" << j << "] = " << C.data[at] << ", expected " << expected[at]);
    }
  CHECK(bad == 0);
}

TEST_CASE("gemm: random shapes, tails and transposes match the reference on every ISA") {
  std::mt19937 rng(1);
  std::uniform_int_distribution<int64_t> dim(1, 70);
  for (Isa isa : supported_isas())
    for (int n = 0; n < 60; ++n) {
      Case c{dim(rng), dim(rng), dim(rng)};
      c.trans_a = n % 2, c.trans_b = n / 2 % 2, c.packed = n / 4 % 2 && !c.trans_a;
      check_case(c, isa, rng);
    }
}

TEST_CASE("gemm: large shapes, several K and N blocks, empty K") {
  std::mt19937 rng(2);
  Case packed{37, 1400, 333, false, true};  // 3 (AVX-512) or 5 N blocks, 2 K blocks
  packed.packed = true;
  for (Isa isa : supported_isas())
    for (const Case& c : {Case{257, 129, 67}, Case{100, 70, 600, false, true}, Case{300, 50, 1000, true, false},
                          Case{1, 300, 513}, Case{500, 1, 300}, Case{150, 100, 0}, Case{29, 700, 45}, packed,
                          Case{61, 56, 256}, Case{40, 8, 33, true, true}, Case{7, 24, 5}})  // narrow last panels
      check_case(c, isa, rng);
}

TEST_CASE("gemm: fused bias, activations and residual, residual aliasing C") {
  std::mt19937 rng(3);
  for (Isa isa : supported_isas())
    for (Activation act : {Activation::none, Activation::relu, Activation::gelu, Activation::silu})
      for (auto residual : {Case::no_residual, Case::separate_residual, Case::residual_is_c})
        for (int64_t K : {37, 700})  // one K block, and several (the residual must survive the first)
          for (int64_t N : {45, 40}) {  // last panels of 13 and 8 (a narrower tile, in place) on AVX2
            Case c{53, N, K, false, false, true, act, residual};
            check_case(c, isa, rng);
            c.packed = true, c.trans_b = true, c.bias = false;
            check_case(c, isa, rng);
          }
}

// The activations alone, through a K = 1 product with B = 1: tighter than the GEMM bound, over the whole
// useful range. GELU: |err| <= 1e-6 |gelu(x)| + 2e-7 |x| (an erf error of 3e-7 absolute costs |x| / 2 * 3e-7
// where GELU is near 0); SiLU: 2e-6 relative (exp is ~1 ulp, the division and 1 + exp one more each).
TEST_CASE("gemm: GELU and SiLU epilogues match erf/exp in double") {
  std::vector<float> x;
  for (float v = -12.f; v <= 12.f; v += 1.f / 512) x.push_back(v);
  const int64_t M = static_cast<int64_t>(x.size());
  const float one = 1.f;
  for (Isa isa : supported_isas()) {
    const IsaScope scope(isa);
    for (Activation act : {Activation::gelu, Activation::silu}) {
      INFO(std::string(isa_name(isa)) << " activation " << static_cast<int>(act));
      std::vector<float> y(x.size());
      GemmEpilogue ep;
      ep.activation = act;
      gemm_f32(M, 1, 1, x.data(), 1, false, &one, 1, false, y.data(), 1, ep);
      for (size_t i = 0; i < x.size(); ++i) {
        const double v = x[i];
        const double ref = act == Activation::gelu ? 0.5 * v * (1 + std::erf(v / std::sqrt(2.0))) : v / (1 + std::exp(-v));
        const double tol = act == Activation::gelu ? 1e-6 * std::fabs(ref) + 2e-7 * std::fabs(v) : 2e-6 * std::fabs(ref);
        const double err = std::fabs(y[i] - ref);
        if (!(err <= tol)) FAIL_CHECK("x = " << v << ": " << y[i] << ", expected " << ref);
      }
    }
  }
}

TEST_CASE("gemm: batched products, across and within threads") {
  std::mt19937 rng(4);
  for (Isa isa : supported_isas())
    for (int64_t batch : {1, 2, 5, 16}) {
      const IsaScope scope(isa);
      const int64_t M = 49, N = 33, K = 32;
      INFO(std::string(isa_name(isa)) << " batch " << batch);
      // Batch strides larger than one matrix, and q * k^T-like transposed B.
      const int64_t sa = M * K + 7, sb = N * K + 3, sc = M * N + 5;
      const std::vector<float> A = random_vector(static_cast<size_t>(batch * sa), rng);
      const std::vector<float> B = random_vector(static_cast<size_t>(batch * sb), rng);
      std::vector<float> C = random_vector(static_cast<size_t>(batch * sc), rng), expected = C;
      const std::vector<float> bias = random_vector(static_cast<size_t>(N), rng);
      GemmEpilogue ep;
      ep.bias = bias.data(), ep.residual = C.data(), ep.ldr = N, ep.activation = Activation::gelu;
      for (int64_t i = 0; i < batch; ++i) {
        GemmEpilogue ep_i = ep;
        ep_i.residual = expected.data() + i * sc;
        gemm_f32_ref(M, N, K, A.data() + i * sa, K, false, B.data() + i * sb, K, true, expected.data() + i * sc, N,
                     ep_i);
      }
      gemm_f32_batched(batch, M, N, K, A.data(), K, sa, false, B.data(), K, sb, true, C.data(), N, sc, ep);
      // K = 32 keeps every rounding error far below 1e-4 (see error_bound).
      for (size_t i = 0; i < C.size(); ++i) REQUIRE(C[i] == doctest::Approx(expected[i]).epsilon(1e-4).scale(1.0));
    }
}

// The thread split decides which thread computes a tile, never the order of a K reduction, so results are
// bit-identical run to run and for any thread count.
TEST_CASE("gemm: deterministic, and independent of the thread count") {
  std::mt19937 rng(5);
  const int64_t M = 301, N = 93, K = 611;
  const std::vector<float> A = random_vector(static_cast<size_t>(M * K), rng);
  const std::vector<float> B = random_vector(static_cast<size_t>(N * K), rng);
  for (Isa isa : supported_isas()) {
    INFO(std::string(isa_name(isa)));
    const PackedB packed = PackedB::pack(B.data(), K, N, K, true, isa);
    auto run = [&](int threads) {
      const ThreadScope scope(threads);
      std::vector<float> C(static_cast<size_t>(M * N));
      gemm_f32(M, A.data(), K, packed, C.data(), N);
      return C;
    };
    const std::vector<float> first = run(2);
    CHECK(std::memcmp(first.data(), run(2).data(), first.size() * sizeof(float)) == 0);
    CHECK(std::memcmp(first.data(), run(1).data(), first.size() * sizeof(float)) == 0);
    CHECK(std::memcmp(first.data(), run(3).data(), first.size() * sizeof(float)) == 0);
  }
}

}  // namespace
}  // namespace lsam
