#include "weights/lsam_format.h"

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <unordered_set>

#include "weights/byte_reader.h"
#include "weights/crc32.h"
#include "weights/error.h"

namespace lsam {
namespace {

static_assert(std::endian::native == std::endian::little, ".lsam tensors are little-endian f32, used in place");

constexpr char kMagic[4] = {'L', 'S', 'A', 'M'};
constexpr size_t kPreambleSize = 64;
constexpr size_t kCheckedPreamble = 32;  // bytes of the preamble the header checksum covers
constexpr uint64_t kAlign = 64;
constexpr uint8_t kDTypeF32 = 0;
constexpr int64_t kMaxElements = int64_t{1} << 40;

uint64_t align_up(uint64_t n) { return (n + kAlign - 1) / kAlign * kAlign; }

class Writer {
 public:
  void u8(uint8_t v) { bytes_.push_back(static_cast<char>(v)); }
  void u32(uint32_t v) { raw(&v, 4); }
  void u64(uint64_t v) { raw(&v, 8); }
  void str(const std::string& s) {
    u32(static_cast<uint32_t>(s.size()));
    raw(s.data(), s.size());
  }
  void raw(const void* p, size_t n) { bytes_.append(static_cast<const char*>(p), n); }
  std::string& bytes() { return bytes_; }

 private:
  std::string bytes_;
};

// fwrite with the running data checksum, throwing on the first failed write.
class OutFile {
 public:
  OutFile(const std::string& path) : path_(path), f_(std::fopen(path.c_str(), "wb")) {
    if (!f_) fail(path, std::string("cannot create: ") + std::strerror(errno));
  }
  ~OutFile() {
    if (f_) std::fclose(f_);
  }
  void write(const void* p, size_t n) {
    if (n && std::fwrite(p, 1, n, f_) != n) fail(path_, std::string("write failed: ") + std::strerror(errno));
  }
  void seek_start() {
    if (std::fseek(f_, 0, SEEK_SET) != 0) fail(path_, std::string("seek failed: ") + std::strerror(errno));
  }
  void close() {
    const bool ok = std::fflush(f_) == 0 && !std::ferror(f_);
    const int err = errno;
    const bool closed = std::fclose(f_) == 0;
    f_ = nullptr;
    if (!ok || !closed) fail(path_, std::string("write failed: ") + std::strerror(err));
  }

 private:
  std::string path_;
  std::FILE* f_;
};

}  // namespace

bool looks_like_lsam(const FileBytes& file) { return file.size() >= 4 && std::memcmp(file.data(), kMagic, 4) == 0; }

void write_lsam(const Weights& w, const std::string& path) {
  // Tensor data offsets are fixed first, so the table can be written before the data.
  Writer meta;
  meta.str(w.family);
  meta.u32(static_cast<uint32_t>(w.config.size()));
  for (const auto& [k, v] : w.config) {
    meta.str(k);
    meta.str(v);
  }
  meta.u32(static_cast<uint32_t>(w.transforms.size()));
  for (const std::string& t : w.transforms) meta.str(t);
  meta.str(w.source_format);
  meta.u32(static_cast<uint32_t>(w.tensors.size()));
  uint64_t offset = 0;
  for (const NamedTensor& t : w.tensors) {
    if (t.value.dtype() != DType::f32 || !t.value.is_contiguous())
      fail(path, "tensor '" + t.name + "' is not contiguous f32");
    meta.str(t.name);
    meta.u8(kDTypeF32);
    meta.u8(static_cast<uint8_t>(t.source));
    meta.u8(static_cast<uint8_t>(t.value.rank()));
    meta.u8(0);
    for (int i = 0; i < t.value.rank(); ++i) meta.u64(static_cast<uint64_t>(t.value.dim(i)));
    meta.u64(offset);
    meta.u64(t.value.nbytes());
    offset = align_up(offset + t.value.nbytes());
  }
  const uint64_t data_offset = align_up(kPreambleSize + meta.bytes().size());
  const uint64_t data_size = offset;

  const std::string tmp = path + ".tmp";
  try {
    OutFile out(tmp);
    const std::string zeros(kAlign, '\0');
    out.write(zeros.data(), kPreambleSize);  // rewritten below, once the data checksum is known
    out.write(meta.bytes().data(), meta.bytes().size());
    out.write(zeros.data(), data_offset - kPreambleSize - meta.bytes().size());
    uint32_t data_crc = 0;
    for (const NamedTensor& t : w.tensors) {
      const size_t n = t.value.nbytes(), pad = align_up(n) - n;
      out.write(t.value.raw(), n);
      out.write(zeros.data(), pad);
      data_crc = crc32(t.value.raw(), n, data_crc);
      data_crc = crc32(zeros.data(), pad, data_crc);
    }

    Writer pre;
    pre.raw(kMagic, 4);
    pre.u32(kLsamVersion);
    pre.u64(meta.bytes().size());
    pre.u64(data_offset);
    pre.u64(data_size);
    const uint32_t meta_crc = crc32(meta.bytes().data(), meta.bytes().size(), crc32(pre.bytes().data(), kCheckedPreamble));
    pre.u32(meta_crc);
    pre.u32(data_crc);
    pre.bytes().resize(kPreambleSize, '\0');
    out.seek_start();
    out.write(pre.bytes().data(), kPreambleSize);
    out.close();
  } catch (...) {
    std::remove(tmp.c_str());
    throw;
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    std::remove(tmp.c_str());
    fail(path, std::string("cannot rename the written file into place: ") + std::strerror(err));
  }
}

Weights read_lsam(std::shared_ptr<const FileBytes> file, bool verify_data) {
  const std::string& where = file->name();
  if (file->size() < kPreambleSize || !looks_like_lsam(*file)) fail(where, "not an .lsam file");
  ByteReader pre(file->data(), kPreambleSize, where);
  pre.skip(4);
  const uint32_t version = pre.u32();
  if (version != kLsamVersion)
    fail(where, ".lsam version " + std::to_string(version) + " (this build reads version " + std::to_string(kLsamVersion) +
                    "; convert the checkpoint again)");
  const uint64_t meta_size = pre.u64(), data_offset = pre.u64(), data_size = pre.u64();
  const uint32_t meta_crc = pre.u32(), data_crc = pre.u32();
  const uint64_t size = file->size();
  if (meta_size > size - kPreambleSize || data_offset % kAlign != 0 || data_offset < kPreambleSize + meta_size ||
      data_offset > size || data_size != size - data_offset)
    fail(where, "header sizes do not match the file (truncated or corrupt)");
  const uint8_t* meta_bytes = file->data() + kPreambleSize;
  if (kCheckCrc && crc32(meta_bytes, meta_size, crc32(file->data(), kCheckedPreamble)) != meta_crc)
    fail(where, "header checksum mismatch (corrupt file)");
  const uint8_t* data = file->data() + data_offset;
  if (kCheckCrc && verify_data && crc32(data, data_size) != data_crc) fail(where, "data checksum mismatch (corrupt file)");

  ByteReader r(meta_bytes, meta_size, where + ": .lsam header");
  const auto str = [&r] { return std::string(r.text(r.u32())); };
  Weights w;
  w.family = str();
  for (uint32_t n = r.u32(), i = 0; i < n; ++i) {
    std::string k = str();
    w.config[k] = str();
  }
  for (uint32_t n = r.u32(), i = 0; i < n; ++i) w.transforms.push_back(str());
  w.source_format = "lsam v" + std::to_string(version) + " (from " + str() + ")";

  std::unordered_set<std::string> names;
  for (uint32_t n = r.u32(), i = 0; i < n; ++i) {
    NamedTensor t;
    t.name = str();
    const uint8_t dtype = r.u8(), source = r.u8(), rank = r.u8();
    r.skip(1);
    if (t.name.empty() || !names.insert(t.name).second) fail(where, "empty or repeated tensor name '" + t.name + "'");
    if (dtype != kDTypeF32) fail(where, "tensor '" + t.name + "' has unknown dtype code " + std::to_string(dtype));
    if (source >= kSourceDTypeCount) fail(where, "tensor '" + t.name + "' has unknown source dtype code " + std::to_string(source));
    if (rank > Shape::kMaxRank) fail(where, "tensor '" + t.name + "' has rank " + std::to_string(rank));
    Shape shape;
    shape.rank = rank;
    // Bounds the product of the non-zero dims, not just the element count: an empty [0, 2^40, 2^40]
    // would still overflow the strides computed for it.
    int64_t extent = 1;
    for (int d = 0; d < rank; ++d) {
      const uint64_t dim = r.u64();
      if (dim > static_cast<uint64_t>(kMaxElements) || (dim && extent > kMaxElements / static_cast<int64_t>(dim)))
        fail(where, "tensor '" + t.name + "' has an absurd shape");
      shape[d] = static_cast<int64_t>(dim);
      extent *= std::max<int64_t>(shape[d], 1);
    }
    const int64_t numel = shape.numel();
    const uint64_t offset = r.u64(), nbytes = r.u64();
    if (nbytes != static_cast<uint64_t>(numel) * 4 || offset % kAlign != 0 || offset > data_size || nbytes > data_size - offset)
      fail(where, "tensor '" + t.name + "' " + shape.str() + " lies outside the data section");
    t.source = static_cast<SourceDType>(source);
    t.value = Tensor::borrow(const_cast<uint8_t*>(data + offset), shape, DType::f32, file);
    w.tensors.push_back(std::move(t));
  }
  if (r.remaining() != 0) fail(where, "unexpected bytes after the tensor table");
  return w;
}

}  // namespace lsam
