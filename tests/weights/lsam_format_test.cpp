#include <doctest/doctest.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <vector>

#include "tests/weights/test_util.h"
#include "weights/crc32.h"
#include "weights/file_bytes.h"
#include "weights/lsam_format.h"
#include "weights/weight_store.h"

namespace {

using lsam::test::error_of;
using lsam::test::iota;

lsam::Weights sample() {
  lsam::Weights w;
  w.family = "mobile_sam";
  w.config = {{"depths", "2,2,6,2"}, {"neck_dim", "256"}};
  w.transforms = {"bn_folded"};
  w.source_format = "torch zip v3";
  w.tensors.push_back({"a.weight", iota({3, 5}), lsam::SourceDType::f16});
  w.tensors.push_back({"a.scalar", iota({}), lsam::SourceDType::f32});
  w.tensors.push_back({"a.empty", iota({0, 4}), lsam::SourceDType::bf16});
  w.tensors.push_back({"b.bias", iota({17}, -0.5f), lsam::SourceDType::i64});
  return w;
}

std::vector<char> slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

std::shared_ptr<const lsam::FileBytes> bytes(const std::vector<char>& b, size_t n) {
  return lsam::FileBytes::copy_of("x.lsam", b.data(), n);
}

}  // namespace

TEST_CASE("lsam: round trip keeps names, order, shapes, values, config; tensors view the mapping") {
  const lsam::test::TempPath path("roundtrip.lsam");
  const lsam::Weights w = sample();
  lsam::write_lsam(w, path.str());
  const auto file = lsam::FileBytes::map(path.str());
  const lsam::Weights r = lsam::read_lsam(file, true);
  CHECK(r.family == w.family);
  CHECK(r.config == w.config);
  CHECK(r.transforms == w.transforms);
  CHECK(r.source_format == "lsam v1 (from torch zip v3)");
  REQUIRE(r.tensors.size() == w.tensors.size());
  for (size_t i = 0; i < w.tensors.size(); ++i) {
    CHECK(r.tensors[i].name == w.tensors[i].name);
    CHECK(r.tensors[i].source == w.tensors[i].source);
    CHECK(r.tensors[i].value.shape() == w.tensors[i].value.shape());
    CHECK(std::memcmp(r.tensors[i].value.raw(), w.tensors[i].value.raw(), w.tensors[i].value.nbytes()) == 0);
    const auto* p = static_cast<const uint8_t*>(r.tensors[i].value.raw());
    CHECK(p >= file->data());
    CHECK(p <= file->data() + file->size());
    CHECK(reinterpret_cast<uintptr_t>(p) % 64 == 0);
  }
}

TEST_CASE("lsam: every truncation and header corruption is refused") {
  const lsam::test::TempPath path("corrupt.lsam");
  lsam::write_lsam(sample(), path.str());
  const std::vector<char> b = slurp(path.str());
  for (size_t cut = 0; cut < b.size(); ++cut) CHECK_THROWS_AS(lsam::read_lsam(bytes(b, cut), false), lsam::WeightsError);

  // each byte of the checked preamble and of the metadata
  const uint64_t meta_size = [&] {
    uint64_t v;
    std::memcpy(&v, b.data() + 8, 8);
    return v;
  }();
  for (size_t i = 0; i < 64 + meta_size; ++i) {
    if (i >= 32 && i < 64) continue;  // checksums themselves and the reserved bytes
    std::vector<char> c = b;
    c[i] ^= 0x10;
    CHECK_THROWS_AS(lsam::read_lsam(bytes(c, c.size()), false), lsam::WeightsError);
  }
  std::vector<char> c = b;
  c[8] ^= 1;
  CHECK(error_of([&] { lsam::read_lsam(bytes(c, c.size()), false); }).find("x.lsam: ") == 0);
}

TEST_CASE("lsam: the data checksum is checked only when asked") {
  const lsam::test::TempPath path("data.lsam");
  lsam::write_lsam(sample(), path.str());
  std::vector<char> b = slurp(path.str());
  b[b.size() - 70] ^= 1;  // inside b.bias
  CHECK_NOTHROW(lsam::read_lsam(bytes(b, b.size()), false));
  CHECK(error_of([&] { lsam::read_lsam(bytes(b, b.size()), true); }) == "x.lsam: data checksum mismatch (corrupt file)");
}

// Found by fuzzing (tests/fuzz/corpus/lsam/crash-17be2b95...): an empty tensor whose other dims
// multiply past int64 overflowed the strides computed for it. Rebuilt here with valid checksums.
TEST_CASE("lsam: an empty tensor with huge other dims is refused") {
  const lsam::test::TempPath path("empty_huge.lsam");
  lsam::Weights w = sample();
  w.tensors = {{"e", iota({0, 1, 1}), lsam::SourceDType::f32}};
  lsam::write_lsam(w, path.str());
  std::vector<char> b = slurp(path.str());
  uint64_t meta_size;
  std::memcpy(&meta_size, b.data() + 8, 8);
  const std::string name = std::string("\x01\0\0\0", 4) + "e";
  const size_t dims = std::search(b.begin() + 64, b.end(), name.begin(), name.end()) - b.begin() + 5 + 4;
  for (int i = 1; i < 3; ++i) {
    const uint64_t huge = uint64_t{1} << 40;
    std::memcpy(b.data() + dims + 8 * i, &huge, 8);
  }
  const uint32_t crc = lsam::crc32(b.data() + 64, meta_size, lsam::crc32(b.data(), 32));
  std::memcpy(b.data() + 32, &crc, 4);
  CHECK(error_of([&] { lsam::read_lsam(bytes(b, b.size()), true); }) == "x.lsam: tensor 'e' has an absurd shape");
}

TEST_CASE("lsam: version and writer errors") {
  const lsam::test::TempPath path("version.lsam");
  lsam::write_lsam(sample(), path.str());
  std::vector<char> b = slurp(path.str());
  b[4] = 2;
  CHECK(error_of([&] { lsam::read_lsam(bytes(b, b.size()), true); }).find(".lsam version 2 (this build reads version 1") !=
        std::string::npos);

  lsam::Weights w = sample();
  w.tensors[0].value = w.tensors[0].value.permute({1, 0});
  CHECK(error_of([&] { lsam::write_lsam(w, path.str()); }).find("is not contiguous f32") != std::string::npos);
  CHECK(error_of([&] { lsam::write_lsam(sample(), "/nonexistent_dir/x.lsam"); }).find("cannot create") != std::string::npos);
}

TEST_CASE("lsam: WeightStore opens .lsam by content, whatever the name") {
  const lsam::test::TempPath path("by_content.pt");
  lsam::write_lsam(sample(), path.str());
  const lsam::WeightStore s = lsam::WeightStore::open(path.str());
  CHECK(s.family() == "mobile_sam");
  CHECK(s.get("b.bias", {17}).data<float>()[2] == -1.0f);
}
