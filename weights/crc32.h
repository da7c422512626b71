// CRC-32 (ISO-HDLC, polynomial 0xEDB88320: the zip and PNG checksum). Continue a running checksum by
// passing the previous result as `crc`.
#pragma once

#include <cstddef>
#include <cstdint>

namespace lsam {

uint32_t crc32(const void* data, size_t size, uint32_t crc = 0);

}  // namespace lsam
