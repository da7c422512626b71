// A strided view over shared, 64-byte aligned storage. Shape errors throw std::invalid_argument with the
// shapes in the message; they are never undefined behaviour.
#pragma once

#include <array>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>

#include "engine/dtype.h"
#include "engine/memory.h"

namespace lsam {

struct Shape {
  static constexpr int kMaxRank = 6;
  std::array<int64_t, kMaxRank> dims{};
  int rank = 0;

  Shape() = default;
  Shape(std::initializer_list<int64_t> d);
  static Shape of(const int64_t* d, int rank);

  int64_t operator[](int i) const { return dims[static_cast<size_t>(i < 0 ? i + rank : i)]; }
  int64_t& operator[](int i) { return dims[static_cast<size_t>(i < 0 ? i + rank : i)]; }
  int64_t numel() const;
  bool operator==(const Shape& o) const;
  bool operator!=(const Shape& o) const { return !(*this == o); }
  std::string str() const;  // "[1, 256, 64, 64]"
};

// Owns (or borrows, for mmap'd weights) the bytes behind one or more tensors.
class Storage {
 public:
  Storage(size_t bytes, Allocator& allocator);
  // Borrowed memory kept alive by `owner` (e.g. a mapped file).
  Storage(void* data, size_t bytes, std::shared_ptr<const void> owner);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  void* data() const { return data_; }
  size_t bytes() const { return bytes_; }

 private:
  void* data_;
  size_t bytes_;
  Allocator* allocator_ = nullptr;
  std::shared_ptr<const void> owner_;
};

class Tensor {
 public:
  Tensor() = default;

  // Uninitialised contiguous tensor from the current allocator (an arena inside a planned pass).
  static Tensor empty(const Shape& shape, DType dtype = DType::f32);
  static Tensor zeros(const Shape& shape, DType dtype = DType::f32);
  // Contiguous tensor over borrowed memory; `owner` keeps it alive. Data must be 64-byte aligned.
  static Tensor borrow(void* data, const Shape& shape, DType dtype, std::shared_ptr<const void> owner);

  bool defined() const { return storage_ != nullptr; }
  const Shape& shape() const { return shape_; }
  int64_t dim(int i) const { return shape_[i]; }
  int rank() const { return shape_.rank; }
  int64_t numel() const { return shape_.numel(); }
  DType dtype() const { return dtype_; }
  int64_t stride(int i) const { return strides_[static_cast<size_t>(i < 0 ? i + shape_.rank : i)]; }
  size_t nbytes() const { return static_cast<size_t>(numel()) * dtype_size(dtype_); }
  bool is_contiguous() const;

  // Typed element pointer at the view's origin; throws if T does not match dtype().
  template <class T> T* data() const {
    check_dtype(dtype_of<T>());
    return reinterpret_cast<T*>(raw());
  }
  void* raw() const { return static_cast<uint8_t*>(storage_->data()) + offset_; }

  // Views share storage. reshape needs a contiguous tensor; -1 infers one dimension.
  Tensor reshape(const Shape& shape) const;
  Tensor slice(int dim, int64_t begin, int64_t end) const;
  Tensor permute(std::initializer_list<int> order) const;
  Tensor select(int dim, int64_t index) const;  // drops `dim`

  // Contiguous copy (or *this when already contiguous). clone() always copies, onto the heap.
  Tensor contiguous() const;
  Tensor clone() const;

  std::string describe() const;  // "f32[1, 256, 64, 64]"

  // Throws std::invalid_argument "what: expected f32[...], got f32[...]" on mismatch.
  void expect(const Shape& shape, DType dtype, const char* what) const;

 private:
  void check_dtype(DType t) const;
  Tensor copy_to(Allocator& allocator) const;

  std::shared_ptr<Storage> storage_;
  size_t offset_ = 0;  // bytes
  Shape shape_;
  std::array<int64_t, Shape::kMaxRank> strides_{};  // elements
  DType dtype_ = DType::f32;
};

}  // namespace lsam
