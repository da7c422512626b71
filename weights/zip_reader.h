// Reader for the zip container of torch.save files: end-of-central-directory (with ZIP64 records and
// fields), central directory, local headers, stored and deflated entries. Every offset and size is checked
// against the file before use; entry contents are checked against their CRC-32.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "weights/file_bytes.h"

namespace lsam {

struct ZipEntry {
  std::string name;
  uint16_t method = 0;  // 0 stored, 8 deflated
  bool encrypted = false;
  uint32_t crc = 0;
  uint64_t compressed_size = 0;
  uint64_t size = 0;
  uint64_t header_offset = 0;
};

class ZipReader {
 public:
  explicit ZipReader(std::shared_ptr<const FileBytes> file);

  // A local file header signature at offset 0: how every torch.save zip starts.
  static bool looks_like_zip(const FileBytes& file);

  const std::vector<ZipEntry>& entries() const { return entries_; }
  const ZipEntry* find(std::string_view name) const;

  // A stored entry is a view into the file (no copy); a deflated one is inflated into its own 64-byte
  // aligned buffer, never larger than the size the directory declares.
  SharedBytes read(const ZipEntry& entry) const;

 private:
  std::string where(const ZipEntry& e) const { return file_->name() + ": zip entry '" + e.name + "'"; }

  std::shared_ptr<const FileBytes> file_;
  std::vector<ZipEntry> entries_;
  std::unordered_map<std::string_view, size_t> index_;  // views into entries_[i].name
};

}  // namespace lsam
