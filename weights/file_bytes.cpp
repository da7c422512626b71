#include "weights/file_bytes.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "engine/memory.h"
#include "weights/error.h"

namespace lsam {

std::shared_ptr<const FileBytes> FileBytes::map(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail(path, std::string("cannot open: ") + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    fail(path, std::string("cannot stat: ") + std::strerror(err));
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    fail(path, "not a regular file");
  }
  std::shared_ptr<FileBytes> f(new FileBytes);
  f->name_ = path;
  f->size_ = static_cast<size_t>(st.st_size);
  if (f->size_ > 0) {  // mmap refuses length 0; an empty file simply has no bytes
    void* p = ::mmap(nullptr, f->size_, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) {
      const int err = errno;
      ::close(fd);
      fail(path, std::string("cannot map: ") + std::strerror(err));
    }
    f->data_ = static_cast<const uint8_t*>(p);
    f->mapped_ = true;
  }
  ::close(fd);  // the mapping stays valid without the descriptor
  return f;
}

std::shared_ptr<const FileBytes> FileBytes::copy_of(const std::string& name, const void* data, size_t size) {
  std::shared_ptr<FileBytes> f(new FileBytes);
  f->name_ = name;
  f->size_ = size;
  if (size > 0) {
    auto* p = static_cast<uint8_t*>(aligned_malloc(size));
    std::memcpy(p, data, size);
    f->data_ = p;
  }
  return f;
}

FileBytes::~FileBytes() {
  if (!data_) return;
  if (mapped_)
    ::munmap(const_cast<uint8_t*>(data_), size_);
  else
    aligned_free(const_cast<uint8_t*>(data_));
}

void FileBytes::release_pages() const {
  if (mapped_) ::madvise(const_cast<uint8_t*>(data_), size_, MADV_DONTNEED);
}

}  // namespace lsam
