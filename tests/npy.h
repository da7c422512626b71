// A minimal .npy reader and writer for parity tests: NumPy format versions 1.0 to 3.0, little-endian, C order,
// any rank. Test-only code.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/dtype.h"
#include "engine/tensor.h"

namespace lsam::test {

// dtypes: '<f4' f32, '<f2' f16, '|u1' u8 (and '|b1', read as u8 0/1), '|i1' s8, '<i4' s32, '<i8' s64.
struct NpyArray {
  DType dtype = DType::f32;
  std::vector<int64_t> shape;  // empty for a 0-d array
  std::vector<uint8_t> bytes;  // the elements in C order

  int64_t numel() const;
};

// Throw std::runtime_error naming the file and what is wrong with it.
NpyArray read_npy(const std::string& path);
void write_npy(const std::string& path, DType dtype, const std::vector<int64_t>& shape, const void* data);

// As a contiguous tensor (a 0-d array becomes shape [1]); rank at most Shape::kMaxRank.
Tensor read_npy_tensor(const std::string& path);
void write_npy(const std::string& path, const Tensor& t);

}  // namespace lsam::test
