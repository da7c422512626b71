// Element types a checkpoint can store. The weights layer delivers every tensor as f32 and remembers the
// type it came from, for `lsam info` and for the .lsam tensor table.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace lsam {

// Values are part of the .lsam format (FORMAT.md): append only.
enum class SourceDType : uint8_t { f32 = 0, f64 = 1, f16 = 2, bf16 = 3, i64 = 4, i32 = 5, i16 = 6, i8 = 7, u8 = 8, boolean = 9 };
constexpr int kSourceDTypeCount = 10;

size_t source_dtype_size(SourceDType t);
const char* source_dtype_name(SourceDType t);
// The storage class or dtype a pickle names: "torch.HalfStorage", "torch.float16", ...
std::optional<SourceDType> source_dtype_from_torch_name(std::string_view name);

// Converts n elements of type t at src (any alignment) to f32; exact for every type but f64, i64 and
// i32 beyond 2^24, which round to nearest.
void convert_to_f32(SourceDType t, const uint8_t* src, float* dst, size_t n);

}  // namespace lsam
