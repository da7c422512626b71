// Replays tests/fuzz/corpus: the seeds (valid checkpoints and .lsam files, named seed_*) must load, and
// every other input (crash reproducers found by fuzzing, crafted bad files) must load or fail with a
// WeightsError. Truncations of each seed must fail cleanly.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <vector>

#include "weights/convert.h"
#include "weights/error.h"
#include "weights/file_bytes.h"
#include "weights/lsam_format.h"

namespace {

namespace fs = std::filesystem;

std::vector<char> slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

// Loads `bytes` as the target would; returns "" on success or the WeightsError message. Any other
// exception escapes and fails the test.
template <class Load> std::string outcome(const std::string& name, const std::vector<char>& bytes, size_t n, Load load) {
  try {
    load(lsam::FileBytes::copy_of(name, bytes.data(), n));
  } catch (const lsam::WeightsError& e) {
    return e.what();
  }
  return "";
}

template <class Load> void replay(const std::string& folder, Load load) {
  const fs::path dir = fs::path(LSAM_FUZZ_CORPUS) / folder;
  REQUIRE(fs::is_directory(dir));
  int seeds = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    const std::vector<char> bytes = slurp(entry.path());
    CAPTURE(name);
    const std::string result = outcome(name, bytes, bytes.size(), load);
    if (name.rfind("seed_", 0) != 0) continue;
    ++seeds;
    CHECK(result == "");
    for (size_t i = 1; i <= 97; ++i) {
      const size_t cut = bytes.size() * i / 98;
      CAPTURE(cut);
      CHECK(outcome(name, bytes, cut, load) != "");
    }
  }
  CHECK(seeds > 0);
}

}  // namespace

TEST_CASE("corpus: torch checkpoints") {
  replay("torch", [](std::shared_ptr<const lsam::FileBytes> f) { lsam::convert_torch(std::move(f)); });
}

TEST_CASE("corpus: .lsam files") {
  replay("lsam", [](std::shared_ptr<const lsam::FileBytes> f) { lsam::read_lsam(std::move(f), true); });
}
