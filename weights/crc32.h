// CRC-32 (ISO-HDLC, polynomial 0xEDB88320: the zip and PNG checksum). Continue a running checksum by
// passing the previous result as `crc`.
#pragma once

#include <cstddef>
#include <cstdint>

namespace lsam {

uint32_t crc32(const void* data, size_t size, uint32_t crc = 0);

// Fuzzing builds (libFuzzer's FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION convention) accept wrong checksums,
// so that mutated inputs reach the parsers behind them instead of all stopping at the CRC.
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
constexpr bool kCheckCrc = false;
#else
constexpr bool kCheckCrc = true;
#endif

}  // namespace lsam
