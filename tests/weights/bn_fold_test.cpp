#include <doctest/doctest.h>

#include <cmath>

#include "tests/weights/test_util.h"
#include "weights/bn_fold.h"

namespace {

using lsam::NamedTensor;
using lsam::test::error_of;
using lsam::test::iota;

lsam::Tensor values(std::initializer_list<float> v) {
  lsam::Tensor t = lsam::heap_f32({static_cast<int64_t>(v.size())});
  int i = 0;
  for (float x : v) t.data<float>()[i++] = x;
  return t;
}

void add_bn(std::vector<NamedTensor>& t, const std::string& p) {
  t.push_back({p + "bn.weight", values({1.5f, -0.5f}), lsam::SourceDType::f16});
  t.push_back({p + "bn.bias", values({0.25f, 1.0f}), lsam::SourceDType::f16});
  t.push_back({p + "bn.running_mean", values({0.1f, -0.2f}), lsam::SourceDType::f16});
  t.push_back({p + "bn.running_var", values({2.0f, 0.5f}), lsam::SourceDType::f16});
  t.push_back({p + "bn.num_batches_tracked", values({9}), lsam::SourceDType::i64});
}

std::vector<std::string> names(const std::vector<NamedTensor>& t) {
  std::vector<std::string> n;
  for (const NamedTensor& x : t) n.push_back(x.name);
  return n;
}

// The documented formula, written out independently.
float folded_weight(float w, double g, double v, double eps) { return static_cast<float>(w * (g / std::sqrt(v + eps))); }
float folded_bias(double b, double g, double beta, double m, double v, double eps) {
  return static_cast<float>((b - m) * (g / std::sqrt(v + eps)) + beta);
}

}  // namespace

TEST_CASE("bn fold: TinyViT Conv2d_BN gets a folded weight and a new bias right after it") {
  std::vector<NamedTensor> t;
  t.push_back({"x.conv1.c.weight", iota({2, 3, 1, 1}, 0.5f), lsam::SourceDType::f16});
  add_bn(t, "x.conv1.");
  t.push_back({"x.norm.weight", values({1, 2}), lsam::SourceDType::f32});
  CHECK(lsam::fold_batchnorms(t, {}, 1e-5, "f") == 1);
  CHECK(names(t) == std::vector<std::string>{"x.conv1.c.weight", "x.conv1.c.bias", "x.norm.weight"});
  const float* w = t[0].value.data<float>();
  const float* b = t[1].value.data<float>();
  CHECK(t[1].source == lsam::SourceDType::f16);
  for (int o = 0; o < 2; ++o) {
    const double g = o ? -0.5 : 1.5, beta = o ? 1.0 : 0.25, m = o ? -0.2f : 0.1f, v = o ? 0.5 : 2.0;
    for (int k = 0; k < 3; ++k) CHECK(w[o * 3 + k] == folded_weight(0.5f * static_cast<float>(o * 3 + k), g, v, 1e-5));
    CHECK(b[o] == folded_bias(0.0, g, beta, m, v, 1e-5));
  }
}

TEST_CASE("bn fold: Ultralytics Conv with its own eps and an existing conv bias") {
  std::vector<NamedTensor> t;
  t.push_back({"model.0.conv.weight", iota({2, 1, 3, 3}), lsam::SourceDType::f32});
  t.push_back({"model.0.conv.bias", values({3.0f, -3.0f}), lsam::SourceDType::f32});
  add_bn(t, "model.0.");
  CHECK(lsam::fold_batchnorms(t, {{"model.0.bn", 0.25}}, 1e-3, "f") == 1);
  CHECK(names(t) == std::vector<std::string>{"model.0.conv.weight", "model.0.conv.bias"});
  CHECK(t[0].value.data<float>()[10] == folded_weight(10.0f, -0.5, 0.5, 0.25));
  CHECK(t[1].value.data<float>()[0] == folded_bias(3.0, 1.5, 0.25, 0.1f, 2.0, 0.25));
}

TEST_CASE("bn fold: a BatchNorm without a sibling convolution stays") {
  std::vector<NamedTensor> t;
  t.push_back({"head.linear.weight", iota({2, 2}), lsam::SourceDType::f32});
  add_bn(t, "head.");
  CHECK(lsam::fold_batchnorms(t, {}, 1e-5, "f") == 0);
  CHECK(t.size() == 6);
}

TEST_CASE("bn fold: inconsistent shapes and statistics are errors") {
  std::vector<NamedTensor> t;
  t.push_back({"p.c.weight", iota({3, 1, 1, 1}), lsam::SourceDType::f32});
  add_bn(t, "p.");
  CHECK(error_of([&] { lsam::fold_batchnorms(t, {}, 1e-5, "f.pt"); }).find("f.pt: cannot fold 'p.bn.*' (2 channels) into 'p.c.weight' [3, 1, 1, 1]") == 0);

  std::vector<NamedTensor> u;
  u.push_back({"p.c.weight", iota({2, 1, 1, 1}), lsam::SourceDType::f32});
  add_bn(u, "p.");
  u[4].value.data<float>()[1] = -1.0f;  // running_var
  CHECK(error_of([&] { lsam::fold_batchnorms(u, {}, 1e-5, "f.pt"); }).find("+ eps is not positive at channel 1") != std::string::npos);
}
