#include <doctest/doctest.h>

#include "tests/weights/test_util.h"
#include "weights/weight_store.h"

namespace {

using lsam::test::error_of;

lsam::WeightStore store() {
  lsam::Weights w;
  w.family = "mobile_sam";
  w.config = {{"depths", "2,2,6,2"}, {"neck_dim", "256"}, {"bad", "2,x"}, {"empty", ""}};
  w.transforms = {"bn_folded"};
  w.tensors.push_back({"b", lsam::test::iota({2, 3}), lsam::SourceDType::f16});
  w.tensors.push_back({"a", lsam::test::iota({4}), lsam::SourceDType::f32});
  return lsam::WeightStore::from_weights("m.lsam", std::move(w));
}

}  // namespace

TEST_CASE("weight store: lookups and their errors") {
  const lsam::WeightStore s = store();
  CHECK(s.names() == std::vector<std::string>{"b", "a"});
  CHECK(s.contains("a"));
  CHECK_FALSE(s.contains("c"));
  CHECK(s.get("b", {2, 3}).data<float>()[5] == 5.0f);
  CHECK(s.source_dtype("b") == lsam::SourceDType::f16);
  CHECK(s.has_transform("bn_folded"));
  CHECK(error_of([&] { s.get("c"); }) == "m.lsam: missing tensor 'c'");
  CHECK(error_of([&] { s.get("b", {3, 2}); }) == "m.lsam: tensor 'b' has shape [2, 3], expected [3, 2]");
}

TEST_CASE("weight store: configuration accessors") {
  const lsam::WeightStore s = store();
  CHECK(s.config_int("neck_dim") == 256);
  CHECK(s.config_ints("depths") == std::vector<int64_t>{2, 2, 6, 2});
  CHECK(error_of([&] { s.config_int("depths"); }) == "m.lsam: config 'depths' = '2,2,6,2' is not a single integer");
  CHECK(error_of([&] { s.config_ints("bad"); }) == "m.lsam: config 'bad' = '2,x' is not a list of integers");
  CHECK(error_of([&] { s.config_ints("empty"); }) == "m.lsam: config 'empty' = '' is not a list of integers");
  CHECK(error_of([&] { s.config_string("nope"); }) == "m.lsam: missing config 'nope'");
}

TEST_CASE("weight store: a missing file is one clear error") {
  CHECK(error_of([] { lsam::WeightStore::open("/nonexistent/m.lsam"); }) ==
        "/nonexistent/m.lsam: cannot open: No such file or directory");
}
