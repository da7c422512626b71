// Bounds-checked little-endian reads from a byte range. Every read past the end throws WeightsError
// "WHERE: truncated ...", so parsers built on it cannot read outside their input.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "weights/error.h"

namespace lsam {

class ByteReader {
 public:
  ByteReader(const uint8_t* data, size_t size, std::string where) : data_(data), size_(size), where_(std::move(where)) {}

  size_t pos() const { return pos_; }
  size_t size() const { return size_; }
  size_t remaining() const { return size_ - pos_; }
  const std::string& where() const { return where_; }

  void seek(size_t pos) {
    if (pos > size_) fail(where_, "offset " + std::to_string(pos) + " is past the end (" + std::to_string(size_) + " bytes)");
    pos_ = pos;
  }
  void skip(size_t n) { take(n); }

  // Pointer to the next n bytes, which stay valid as long as the underlying data.
  const uint8_t* take(size_t n) {
    if (n > remaining())
      fail(where_, "truncated: needs " + std::to_string(n) + " bytes at offset " + std::to_string(pos_) + ", has " +
                       std::to_string(remaining()));
    const uint8_t* p = data_ + pos_;
    pos_ += n;
    return p;
  }

  uint8_t u8() { return *take(1); }
  uint16_t u16() { return static_cast<uint16_t>(le(2)); }
  uint32_t u32() { return static_cast<uint32_t>(le(4)); }
  uint64_t u64() { return le(8); }
  int64_t i64() { return static_cast<int64_t>(le(8)); }
  std::string_view text(size_t n) { return {reinterpret_cast<const char*>(take(n)), n}; }

 private:
  uint64_t le(size_t n) {
    const uint8_t* p = take(n);
    uint64_t v = 0;
    for (size_t i = 0; i < n; ++i) v |= static_cast<uint64_t>(p[i]) << (8 * i);
    return v;
  }

  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
  std::string where_;
};

}  // namespace lsam
