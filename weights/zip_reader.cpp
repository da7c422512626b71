#include "weights/zip_reader.h"

#include <algorithm>

#include "engine/memory.h"
#include "weights/byte_reader.h"
#include "weights/crc32.h"
#include "weights/error.h"
#include "weights/inflate.h"

namespace lsam {
namespace {

constexpr uint32_t kLocalHeader = 0x04034b50, kCentralHeader = 0x02014b50, kEndOfDirectory = 0x06054b50;
constexpr uint32_t kZip64Locator = 0x07064b50, kZip64End = 0x06064b50;
constexpr size_t kEndSize = 22, kCentralSize = 46, kLocalSize = 30;
// DEFLATE cannot expand one input bit into more than 258 bytes, and every match needs at least two bits
// (length and distance code), so no honest stream inflates more than 1032 times; a directory claiming
// more is lying, and we refuse before allocating.
constexpr uint64_t kMaxDeflateRatio = 1032;

struct Directory {
  uint64_t entries = 0, size = 0, offset = 0;
};

Directory find_directory(const FileBytes& f) {
  const std::string where = f.name() + ": zip";
  if (f.size() < kEndSize) fail(where, "file too short for a zip archive (" + std::to_string(f.size()) + " bytes)");
  // The end record sits at the end, followed only by a comment of at most 64 KiB.
  const size_t lowest = f.size() > kEndSize + 0xffff ? f.size() - kEndSize - 0xffff : 0;
  size_t pos = f.size() - kEndSize + 1;
  ByteReader r(f.data(), f.size(), where);
  for (;;) {
    if (pos == lowest) fail(where, "no end-of-central-directory record");
    --pos;
    r.seek(pos);
    if (r.u32() != kEndOfDirectory) continue;
    r.skip(16);
    if (pos + kEndSize + r.u16() == f.size()) break;  // the comment length must reach the end exactly
  }
  r.seek(pos + 4);
  const uint16_t disk = r.u16(), directory_disk = r.u16();
  r.skip(2);
  Directory d;
  d.entries = r.u16();
  d.size = r.u32();
  d.offset = r.u32();
  if ((disk != 0 && disk != 0xffff) || (directory_disk != 0 && directory_disk != 0xffff))
    fail(where, "multi-volume archives are not supported");

  if (pos >= 20) {
    r.seek(pos - 20);
    if (r.u32() == kZip64Locator) {
      r.skip(4);
      r.seek(r.u64());
      if (r.u32() != kZip64End) fail(where, "bad ZIP64 end-of-central-directory signature");
      r.skip(8 + 2 + 2 + 4 + 4 + 8);  // record size, versions, disk numbers, entries on this disk
      d.entries = r.u64();
      d.size = r.u64();
      d.offset = r.u64();
    }
  }
  if (d.offset > f.size() || d.size > f.size() - d.offset)
    fail(where, "central directory (offset " + std::to_string(d.offset) + ", " + std::to_string(d.size) +
                    " bytes) lies outside the file");
  if (d.entries > d.size / kCentralSize)
    fail(where, "central directory too small for " + std::to_string(d.entries) + " entries");
  return d;
}

// ZIP64 extended information: the 64-bit values of exactly those fields that hold 0xffffffff, in order.
void read_zip64_extra(ByteReader& extra, ZipEntry& e, bool wide_size, bool wide_compressed, bool wide_offset) {
  while (extra.remaining() >= 4) {
    const uint16_t id = extra.u16(), len = extra.u16();
    ByteReader field(extra.take(len), len, extra.where());
    if (id != 0x0001) continue;
    if (wide_size) e.size = field.u64();
    if (wide_compressed) e.compressed_size = field.u64();
    if (wide_offset) e.header_offset = field.u64();
    return;
  }
  if (wide_size || wide_compressed || wide_offset) fail(extra.where(), "missing ZIP64 extended information");
}

}  // namespace

bool ZipReader::looks_like_zip(const FileBytes& file) {
  return file.size() >= 4 && file.data()[0] == 'P' && file.data()[1] == 'K' && file.data()[2] == 3 &&
         file.data()[3] == 4;
}

ZipReader::ZipReader(std::shared_ptr<const FileBytes> file) : file_(std::move(file)) {
  const Directory dir = find_directory(*file_);
  ByteReader r(file_->data() + dir.offset, dir.size, file_->name() + ": zip central directory");
  entries_.reserve(dir.entries);
  for (uint64_t i = 0; i < dir.entries; ++i) {
    if (r.u32() != kCentralHeader) fail(r.where(), "bad entry signature at entry " + std::to_string(i));
    r.skip(4);  // versions
    ZipEntry e;
    const uint16_t flags = r.u16();
    e.encrypted = flags & 1;
    e.method = r.u16();
    r.skip(4);  // time, date
    e.crc = r.u32();
    e.compressed_size = r.u32();
    e.size = r.u32();
    const uint16_t name_len = r.u16(), extra_len = r.u16(), comment_len = r.u16();
    r.skip(8);  // disk, internal and external attributes
    e.header_offset = r.u32();
    e.name = std::string(r.text(name_len));
    ByteReader extra(r.take(extra_len), extra_len, file_->name() + ": zip entry '" + e.name + "' extra field");
    read_zip64_extra(extra, e, e.size == 0xffffffff, e.compressed_size == 0xffffffff, e.header_offset == 0xffffffff);
    r.skip(comment_len);
    entries_.push_back(std::move(e));
  }
  index_.reserve(entries_.size());
  for (size_t i = 0; i < entries_.size(); ++i)
    if (!index_.emplace(entries_[i].name, i).second) fail(where(entries_[i]), "appears twice in the archive");
}

const ZipEntry* ZipReader::find(std::string_view name) const {
  const auto it = index_.find(name);
  return it == index_.end() ? nullptr : &entries_[it->second];
}

SharedBytes ZipReader::read(const ZipEntry& e) const {
  const std::string w = where(e);
  if (e.encrypted) fail(w, "encrypted entries are not supported");
  ByteReader r(file_->data(), file_->size(), w);
  r.seek(e.header_offset);
  if (r.u32() != kLocalHeader) fail(w, "bad local header signature at offset " + std::to_string(e.header_offset));
  r.skip(kLocalSize - 8);
  const uint16_t name_len = r.u16(), extra_len = r.u16();
  r.skip(size_t{name_len} + extra_len);
  // Sizes come from the central directory: the local header may defer them to a data descriptor.
  if (e.compressed_size > r.remaining()) fail(w, "data runs past the end of the file");
  const uint8_t* data = r.take(e.compressed_size);

  SharedBytes out;
  if (e.method == 0) {
    if (e.compressed_size != e.size) fail(w, "stored entry with different compressed and plain sizes");
    out = {data, e.size, file_};
  } else if (e.method == 8) {
    if (e.size / kMaxDeflateRatio > e.compressed_size)
      fail(w, "declares " + std::to_string(e.size) + " bytes from " + std::to_string(e.compressed_size) +
                  " compressed: more than DEFLATE can expand");
    if (e.size > 0) {
      auto* buf = static_cast<uint8_t*>(aligned_malloc(e.size));
      out = {buf, e.size, std::shared_ptr<const void>(buf, [](const void* p) { aligned_free(const_cast<void*>(p)); })};
      inflate(data, e.compressed_size, buf, e.size, w);
    } else {
      inflate(data, e.compressed_size, nullptr, 0, w);
    }
  } else {
    fail(w, "unsupported compression method " + std::to_string(e.method) + " (only stored and deflated)");
  }
  if (kCheckCrc && crc32(out.data, out.size) != e.crc) fail(w, "CRC-32 mismatch: the entry is corrupt");
  return out;
}

}  // namespace lsam
