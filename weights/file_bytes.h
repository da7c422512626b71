// Read-only bytes of a whole input file: memory-mapped from disk, or an aligned private copy of a buffer
// (tests and fuzzers). Tensors can borrow straight from data(): the owner is this object's shared_ptr.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace lsam {

class FileBytes {
 public:
  // Maps `path` read-only. A write through a borrowed tensor faults instead of silently changing weights.
  static std::shared_ptr<const FileBytes> map(const std::string& path);
  // A 64-byte aligned copy of `size` bytes, reported under `name`.
  static std::shared_ptr<const FileBytes> copy_of(const std::string& name, const void* data, size_t size);

  ~FileBytes();
  FileBytes(const FileBytes&) = delete;
  FileBytes& operator=(const FileBytes&) = delete;

  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  const std::string& name() const { return name_; }

  // Lets the kernel drop the mapped pages from memory (they are reread from the file if touched again):
  // for when a model has copied what it needs into its own packed layouts.
  void release_pages() const;

 private:
  FileBytes() = default;

  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
  std::string name_;
  bool mapped_ = false;  // munmap on destruction, else aligned_free
};

// A byte range and whatever keeps it alive (a FileBytes, or a private buffer such as an inflated entry).
struct SharedBytes {
  const uint8_t* data = nullptr;
  size_t size = 0;
  std::shared_ptr<const void> owner;
};

}  // namespace lsam
