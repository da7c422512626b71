#include "weights/source_dtype.h"

#include <cstring>

#include "engine/dtype.h"

namespace lsam {
namespace {

struct TypeInfo {
  const char* name;
  size_t size;
  const char* storage;  // torch.<storage> class name
  const char* dtype;    // torch.<dtype> attribute name
};

constexpr TypeInfo kTypes[kSourceDTypeCount] = {
    {"f32", 4, "FloatStorage", "float32"},   {"f64", 8, "DoubleStorage", "float64"},
    {"f16", 2, "HalfStorage", "float16"},    {"bf16", 2, "BFloat16Storage", "bfloat16"},
    {"i64", 8, "LongStorage", "int64"},      {"i32", 4, "IntStorage", "int32"},
    {"i16", 2, "ShortStorage", "int16"},     {"i8", 1, "CharStorage", "int8"},
    {"u8", 1, "ByteStorage", "uint8"},       {"bool", 1, "BoolStorage", "bool"},
};

template <class T> T load(const uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

template <class T> void widen(const uint8_t* src, float* dst, size_t n) {
  for (size_t i = 0; i < n; ++i) dst[i] = static_cast<float>(load<T>(src + i * sizeof(T)));
}

}  // namespace

size_t source_dtype_size(SourceDType t) { return kTypes[static_cast<size_t>(t)].size; }
const char* source_dtype_name(SourceDType t) { return kTypes[static_cast<size_t>(t)].name; }

std::optional<SourceDType> source_dtype_from_torch_name(std::string_view name) {
  constexpr std::string_view prefix = "torch.";
  if (name.substr(0, prefix.size()) != prefix) return std::nullopt;
  name.remove_prefix(prefix.size());
  for (int i = 0; i < kSourceDTypeCount; ++i)
    if (name == kTypes[i].storage || name == kTypes[i].dtype) return static_cast<SourceDType>(i);
  // torch's other spellings of the same types
  if (name == "float" ) return SourceDType::f32;
  if (name == "double") return SourceDType::f64;
  if (name == "half") return SourceDType::f16;
  if (name == "long") return SourceDType::i64;
  if (name == "int") return SourceDType::i32;
  if (name == "short") return SourceDType::i16;
  return std::nullopt;
}

void convert_to_f32(SourceDType t, const uint8_t* src, float* dst, size_t n) {
  switch (t) {
    case SourceDType::f32: std::memcpy(dst, src, n * 4); return;
    case SourceDType::f64: widen<double>(src, dst, n); return;
    case SourceDType::f16:
      for (size_t i = 0; i < n; ++i) dst[i] = f16_to_f32(load<uint16_t>(src + 2 * i));
      return;
    case SourceDType::bf16:  // the top half of an f32
      for (size_t i = 0; i < n; ++i) {
        const uint32_t bits = static_cast<uint32_t>(load<uint16_t>(src + 2 * i)) << 16;
        std::memcpy(dst + i, &bits, 4);
      }
      return;
    case SourceDType::i64: widen<int64_t>(src, dst, n); return;
    case SourceDType::i32: widen<int32_t>(src, dst, n); return;
    case SourceDType::i16: widen<int16_t>(src, dst, n); return;
    case SourceDType::i8: widen<int8_t>(src, dst, n); return;
    case SourceDType::u8: widen<uint8_t>(src, dst, n); return;
    case SourceDType::boolean:
      for (size_t i = 0; i < n; ++i) dst[i] = src[i] != 0 ? 1.0f : 0.0f;
      return;
  }
}

}  // namespace lsam
