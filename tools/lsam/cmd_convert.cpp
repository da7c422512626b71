// lsam convert IN.pt OUT.lsam [--family F]
#include <chrono>
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "tools/lsam/commands.h"
#include "weights/convert.h"
#include "weights/error.h"
#include "weights/file_bytes.h"
#include "weights/lsam_format.h"

int cmd_convert(int argc, char** argv) {
  std::vector<std::string> files;
  lsam::ConvertOptions options;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--family" && i + 1 < argc) {
      options.family = argv[++i];
    } else if (!a.empty() && a[0] == '-') {
      std::fprintf(stderr, "lsam: convert: unknown option '%s'\n", a.c_str());
      return 2;
    } else {
      files.push_back(a);
    }
  }
  if (files.size() != 2) {
    std::fprintf(stderr, "lsam: usage: lsam convert IN.pt OUT.lsam [--family F]\n");
    return 2;
  }
  try {
    const auto start = std::chrono::steady_clock::now();
    const lsam::Weights w = lsam::convert_torch(lsam::FileBytes::map(files[0]), options);
    lsam::write_lsam(w, files[1]);
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    size_t bytes = 0;
    for (const lsam::NamedTensor& t : w.tensors) bytes += t.value.nbytes();
    std::string transforms;
    for (const std::string& t : w.transforms) transforms += ", " + t;
    std::printf("%s: %s, %zu tensors, %.1f MB%s, %.0f ms\n", files[1].c_str(), w.family.c_str(), w.tensors.size(),
                static_cast<double>(bytes) / 1e6, transforms.c_str(), ms);
    return 0;
  } catch (const lsam::WeightsError& e) {
    std::fprintf(stderr, "lsam: %s\n", e.what());
  } catch (const std::exception& e) {  // out of memory and the like: still one line naming the input
    std::fprintf(stderr, "lsam: %s: %s\n", files[0].c_str(), e.what());
  }
  return 1;
}
