#pragma once

#include <cstddef>
#include <cstdint>

namespace lsam {

enum class DType : uint8_t { f32, f16, s8, u8, s32, s64 };

constexpr size_t dtype_size(DType t) {
  switch (t) {
    case DType::f32: return 4;
    case DType::f16: return 2;
    case DType::s8: return 1;
    case DType::u8: return 1;
    case DType::s32: return 4;
    case DType::s64: return 8;
  }
  return 0;
}

const char* dtype_name(DType t);

template <class T> constexpr DType dtype_of();
template <> constexpr DType dtype_of<float>() { return DType::f32; }
template <> constexpr DType dtype_of<uint16_t>() { return DType::f16; }  // f16 is storage only
template <> constexpr DType dtype_of<int8_t>() { return DType::s8; }
template <> constexpr DType dtype_of<uint8_t>() { return DType::u8; }
template <> constexpr DType dtype_of<int32_t>() { return DType::s32; }
template <> constexpr DType dtype_of<int64_t>() { return DType::s64; }

// IEEE half <-> float, exact for every finite half and round-to-nearest-even the other way.
float f16_to_f32(uint16_t h);
uint16_t f32_to_f16(float f);

}  // namespace lsam
