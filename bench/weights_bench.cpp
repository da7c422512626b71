// lsam_bench_weights CHECKPOINT.pt [RUNS]: times the weights path on one checkpoint, median of RUNS (7).
//   convert      .pt -> named f32 tensors in memory (unpickle, collect, detect, fold)
//   write        those tensors -> .lsam file (next to the checkpoint's name in /tmp)
//   load         WeightStore::open(.lsam), without and with the data checksum; warm page cache
// A MobileSAM-sized checkpoint: tests/weights/make_checkpoints.py mobile_sam /tmp/mobile_sam_random.pt
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <functional>
#include <string>
#include <vector>

#include <unistd.h>

#include "weights/convert.h"
#include "weights/file_bytes.h"
#include "weights/lsam_format.h"
#include "weights/weight_store.h"

namespace {

double median_ms(int runs, const std::function<void()>& f) {
  std::vector<double> ms;
  for (int i = 0; i < runs; ++i) {
    const auto start = std::chrono::steady_clock::now();
    f();
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
  }
  std::sort(ms.begin(), ms.end());
  return ms[ms.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3) {
    std::fprintf(stderr, "usage: lsam_bench_weights CHECKPOINT.pt [RUNS]\n");
    return 2;
  }
  const std::string pt = argv[1];
  const int runs = argc > 2 ? std::max(1, std::atoi(argv[2])) : 7;
  const std::string lsam_path = "/tmp/lsam_bench_weights_" + std::to_string(::getpid()) + ".lsam";
  try {
    lsam::Weights w;
    const double convert = median_ms(runs, [&] { w = lsam::convert_torch(lsam::FileBytes::map(pt)); });
    const double write = median_ms(runs, [&] { lsam::write_lsam(w, lsam_path); });
    size_t bytes = 0;
    for (const lsam::NamedTensor& t : w.tensors) bytes += t.value.nbytes();
    lsam::WeightStore::Options unverified, verified;
    unverified.verify_data = false;
    const double load = median_ms(runs, [&] { lsam::WeightStore::open(lsam_path, unverified); });
    const double load_verified = median_ms(runs, [&] { lsam::WeightStore::open(lsam_path, verified); });
    std::remove(lsam_path.c_str());
    std::printf("{\"checkpoint\": \"%s\", \"family\": \"%s\", \"tensors\": %zu, \"mb\": %.1f, \"runs\": %d, "
                "\"convert_ms\": %.2f, \"write_lsam_ms\": %.2f, \"load_ms\": %.3f, \"load_verified_ms\": %.2f}\n",
                pt.c_str(), w.family.c_str(), w.tensors.size(), static_cast<double>(bytes) / 1e6, runs, convert, write,
                load, load_verified);
    return 0;
  } catch (const std::exception& e) {
    std::remove(lsam_path.c_str());
    std::fprintf(stderr, "lsam_bench_weights: %s\n", e.what());
    return 1;
  }
}
