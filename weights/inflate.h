// Raw DEFLATE (RFC 1951) decoder for zip entries. The output size is known from the zip directory, so the
// decoder writes into a caller-sized buffer and fails if the stream would produce one byte more or less:
// a "zip bomb" cannot make it allocate or write beyond what the directory declared.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace lsam {

// Throws WeightsError "WHERE: problem" on any malformed, truncated or wrongly sized stream.
void inflate(const uint8_t* in, size_t in_size, uint8_t* out, size_t out_size, const std::string& where);

}  // namespace lsam
