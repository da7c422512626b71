// Small helpers shared by the weights unit tests.
#pragma once

#include <cstdio>
#include <filesystem>
#include <string>
#include <unistd.h>

#include "weights/error.h"
#include "weights/named_weights.h"

namespace lsam::test {

// A heap f32 tensor holding 0, 1, 2, ... times `scale`.
inline Tensor iota(const Shape& shape, float scale = 1.0f) {
  Tensor t = heap_f32(shape);
  for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = static_cast<float>(i) * scale;
  return t;
}

// The message of the WeightsError `f` throws, or "" if it throws none.
template <class F> std::string error_of(F&& f) {
  try {
    f();
  } catch (const WeightsError& e) {
    return e.what();
  }
  return "";
}

// A file path in the temp directory, removed with the object.
class TempPath {
 public:
  explicit TempPath(const std::string& name)
      : path_((std::filesystem::temp_directory_path() / ("lsam_test_" + std::to_string(::getpid()) + "_" + name)).string()) {}
  ~TempPath() { std::remove(path_.c_str()); }
  const std::string& str() const { return path_; }

 private:
  std::string path_;
};

}  // namespace lsam::test
