#include "tools/lsam/model_loader.h"

#include <chrono>
#include <stdexcept>

#include "weights/weight_store.h"

namespace lsam::cli {

LoadedModel load_mobile_sam(const std::string& path) {
  const auto start = std::chrono::steady_clock::now();
  const WeightStore store = WeightStore::open(path);
  if (store.family() != "mobile_sam")
    throw std::runtime_error(path + ": holds a " + store.family() + " model; this command needs mobile_sam");
  LoadedModel m;
  m.model = std::make_shared<graph::MobileSam>(store);
  store.release_file_pages();  // the model packed its own copies
  m.load_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  return m;
}

LoadedModel random_mobile_sam(uint64_t seed) {
  const auto start = std::chrono::steady_clock::now();
  LoadedModel m;
  m.model = std::make_shared<graph::MobileSam>(WeightStore::synthetic("mobile_sam", seed));
  m.load_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  return m;
}

}  // namespace lsam::cli
