// lsam info FILE: what a .pt or .lsam file holds, as the model code would see it.
#include <cstdio>
#include <exception>
#include <map>
#include <string>

#include "tools/lsam/commands.h"
#include "weights/error.h"
#include "weights/weight_store.h"

int cmd_info(int argc, char** argv) {
  if (argc != 2 || argv[1][0] == '-') {
    std::fprintf(stderr, "lsam: usage: lsam info FILE\n");
    return 2;
  }
  const std::string path = argv[1];
  try {
    const lsam::WeightStore w = lsam::WeightStore::open(path);
    size_t bytes = 0;
    std::map<std::string, size_t> sources;
    for (const std::string& name : w.names()) {
      bytes += w.get(name).nbytes();
      ++sources[lsam::source_dtype_name(w.source_dtype(name))];
    }
    std::string transforms, from;
    for (const std::string& t : w.transforms()) transforms += (transforms.empty() ? "" : ", ") + t;
    for (const auto& [dtype, n] : sources) from += (from.empty() ? "" : ", ") + dtype + " " + std::to_string(n);
    std::printf("file:       %s\n", path.c_str());
    std::printf("format:     %s\n", w.source_format().c_str());
    std::printf("family:     %s\n", w.family().c_str());
    std::printf("transforms: %s\n", transforms.empty() ? "none" : transforms.c_str());
    std::printf("tensors:    %zu\n", w.size());
    std::printf("bytes:      %zu (%.1f MB)\n", bytes, static_cast<double>(bytes) / 1e6);
    std::printf("dtypes:     f32 (stored as: %s)\n", from.c_str());
    std::printf("config:\n");
    for (const auto& [key, value] : w.config()) std::printf("  %s = %s\n", key.c_str(), value.c_str());
    return 0;
  } catch (const lsam::WeightsError& e) {
    std::fprintf(stderr, "lsam: %s\n", e.what());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "lsam: %s: %s\n", path.c_str(), e.what());
  }
  return 1;
}
