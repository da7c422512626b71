// lsam_weights_check DIR: checks the checkpoints make_checkpoints.py wrote into DIR against their
// expectations, bit for bit, both read directly (.pt) and after conversion (.lsam); then feeds truncated
// and corrupted copies of each small file to the readers, which must either succeed or throw WeightsError.
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "weights/convert.h"
#include "weights/error.h"
#include "weights/file_bytes.h"
#include "weights/lsam_format.h"
#include "weights/weight_store.h"

namespace {

struct ExpectedTensor {
  std::string name, source;
  size_t offset = 0;
  lsam::Shape shape;
};

struct Expected {
  std::string family;
  std::vector<std::string> transforms;
  lsam::Config config;
  std::vector<ExpectedTensor> tensors;
  std::vector<char> data;
};

int failures = 0;

void failure(const std::string& what) {
  std::fprintf(stderr, "FAIL %s\n", what.c_str());
  ++failures;
}

std::vector<char> slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

Expected read_expected(const std::string& stem) {
  Expected e;
  std::ifstream f(stem + ".expect");
  std::string line;
  while (std::getline(f, line)) {
    std::istringstream in(line);
    std::string kind;
    in >> kind;
    if (kind == "family") {
      in >> e.family;
    } else if (kind == "transform") {
      e.transforms.emplace_back();
      in >> e.transforms.back();
    } else if (kind == "config") {
      std::string k, v;
      in >> k >> v;
      e.config[k] = v;
    } else if (kind == "tensor") {
      ExpectedTensor t;
      in >> t.name >> t.source >> t.offset >> t.shape.rank;
      for (int i = 0; i < t.shape.rank; ++i) in >> t.shape[i];
      e.tensors.push_back(t);
    }
  }
  e.data = slurp(stem + ".bin");
  return e;
}

void compare(const lsam::WeightStore& w, const Expected& e, const std::string& what) {
  if (w.family() != e.family) failure(what + ": family " + w.family() + ", expected " + e.family);
  if (w.transforms() != e.transforms) failure(what + ": transforms differ");
  if (w.config() != e.config) {
    std::string got;
    for (const auto& [k, v] : w.config()) got += " " + k + "=" + v;
    failure(what + ": config differs, got" + got);
  }
  const std::vector<std::string> names = w.names();
  if (names.size() != e.tensors.size()) failure(what + ": " + std::to_string(names.size()) + " tensors, expected " +
                                                std::to_string(e.tensors.size()));
  for (size_t i = 0; i < e.tensors.size() && i < names.size(); ++i) {
    const ExpectedTensor& x = e.tensors[i];
    if (names[i] != x.name) {
      failure(what + ": tensor " + std::to_string(i) + " is " + names[i] + ", expected " + x.name);
      continue;
    }
    const lsam::Tensor& t = w.get(x.name, x.shape);
    if (lsam::source_dtype_name(w.source_dtype(x.name)) != x.source) failure(what + ": " + x.name + " source dtype");
    if (x.offset + t.nbytes() > e.data.size() || std::memcmp(t.raw(), e.data.data() + x.offset, t.nbytes()) != 0)
      failure(what + ": " + x.name + " values differ");
  }
}

// Every truncation must fail cleanly; a flipped byte may go unnoticed (padding, unused fields) but must
// never produce anything but success or a WeightsError.
template <class Load> void sweep(const std::string& path, Load load, bool truncation_must_fail) {
  const std::vector<char> bytes = slurp(path);
  const size_t n = bytes.size();
  std::vector<size_t> cuts;
  for (size_t i = 0; i < 300; ++i) cuts.push_back(i * n / 300);
  for (size_t i = 1; i <= 64 && i <= n; ++i) cuts.push_back(n - i);
  for (size_t cut : cuts) {
    try {
      load(lsam::FileBytes::copy_of(path + " (cut)", bytes.data(), cut));
      if (truncation_must_fail) failure(path + " cut at " + std::to_string(cut) + " was accepted");
    } catch (const lsam::WeightsError&) {
    } catch (const std::exception& e) {
      failure(path + " cut at " + std::to_string(cut) + ": not a WeightsError: " + e.what());
    }
  }
  uint64_t rng = 0x9E3779B97F4A7C15ull;
  std::vector<char> copy = bytes;
  for (int i = 0; i < 300 && n > 0; ++i) {
    rng = rng * 6364136223846793005ull + 1442695040888963407ull;
    const size_t at = static_cast<size_t>(rng >> 33) % n;
    const char flip = static_cast<char>(1u << (rng >> 29 & 7));
    copy[at] ^= flip;
    try {
      load(lsam::FileBytes::copy_of(path + " (flipped)", copy.data(), n));
    } catch (const lsam::WeightsError&) {
    } catch (const std::exception& e) {
      failure(path + " flip at " + std::to_string(at) + ": not a WeightsError: " + e.what());
    }
    copy[at] ^= flip;
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: lsam_weights_check DIR\n");
    return 2;
  }
  const std::string dir = argv[1];
  std::ifstream list(dir + "/cases.txt");
  std::string name;
  int cases = 0;
  while (std::getline(list, name)) {
    if (name.empty()) continue;
    ++cases;
    const std::string stem = dir + "/" + name;
    try {
      const Expected e = read_expected(stem);
      compare(lsam::WeightStore::open(stem + ".pt"), e, name + ".pt");
      lsam::write_lsam(lsam::convert_torch(lsam::FileBytes::map(stem + ".pt")), stem + ".lsam");
      const lsam::WeightStore converted = lsam::WeightStore::open(stem + ".lsam");
      compare(converted, e, name + ".lsam");
      if (converted.source_format().rfind("lsam v1 (from torch", 0) != 0) failure(name + ".lsam: source format");
      constexpr size_t kSweepLimit = 2 << 20;  // the sweeps convert hundreds of copies: small files only
      if (slurp(stem + ".pt").size() < kSweepLimit) {
        sweep(stem + ".pt", [](auto f) { lsam::convert_torch(f); }, true);
        sweep(stem + ".lsam", [](auto f) { lsam::read_lsam(f, true); }, true);
      }
    } catch (const std::exception& ex) {
      failure(name + ": " + ex.what());
    }
  }
  std::printf("%d cases, %d failures\n", cases, failures);
  return failures || cases == 0 ? 1 : 0;
}
