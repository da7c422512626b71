#include "engine/tensor.h"

#include <cstring>
#include <stdexcept>

namespace lsam {
namespace {

[[noreturn]] void fail(const std::string& msg) { throw std::invalid_argument(msg); }

}  // namespace

const char* dtype_name(DType t) {
  switch (t) {
    case DType::f32: return "f32";
    case DType::f16: return "f16";
    case DType::s8: return "s8";
    case DType::u8: return "u8";
    case DType::s32: return "s32";
    case DType::s64: return "s64";
  }
  return "?";
}

float f16_to_f32(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000) << 16;
  uint32_t exp = (h >> 10) & 0x1f, mant = h & 0x3ff, bits;
  if (exp == 0x1f) {
    bits = sign | 0x7f800000 | (mant << 13);
  } else if (exp == 0) {
    if (mant == 0) {
      bits = sign;
    } else {  // subnormal: normalise
      int e = -1;
      do ++e, mant <<= 1; while (!(mant & 0x400));
      bits = sign | static_cast<uint32_t>(127 - 15 - e) << 23 | (mant & 0x3ff) << 13;
    }
  } else {
    bits = sign | (exp + 112) << 23 | mant << 13;
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

uint16_t f32_to_f16(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  const uint16_t sign = static_cast<uint16_t>((x >> 16) & 0x8000);
  const uint32_t abs = x & 0x7fffffff;
  if (abs >= 0x7f800000) return sign | 0x7c00 | (abs > 0x7f800000 ? 0x200 : 0);  // inf / nan
  if (abs >= 0x477ff000) return sign | 0x7c00;                                   // rounds past max half
  if (abs < 0x38800000) {                                                        // subnormal or zero
    const uint32_t shift = 126 - (abs >> 23);
    if (shift > 24) return sign;
    const uint32_t mant = (abs & 0x7fffff) | 0x800000;
    uint32_t h = mant >> shift;
    const uint32_t rem = mant & ((1u << shift) - 1), half = 1u << (shift - 1);
    if (rem > half || (rem == half && (h & 1))) ++h;
    return static_cast<uint16_t>(sign | h);
  }
  uint32_t h = ((abs - 0x38000000) >> 13);
  const uint32_t rem = abs & 0x1fff;
  if (rem > 0x1000 || (rem == 0x1000 && (h & 1))) ++h;
  return static_cast<uint16_t>(sign | h);
}

Shape::Shape(std::initializer_list<int64_t> d) {
  if (d.size() > kMaxRank) fail("shape rank " + std::to_string(d.size()) + " exceeds " + std::to_string(kMaxRank));
  for (int64_t v : d) dims[static_cast<size_t>(rank++)] = v;
}

Shape Shape::of(const int64_t* d, int r) {
  if (r < 0 || r > kMaxRank) fail("shape rank " + std::to_string(r) + " out of range");
  Shape s;
  for (int i = 0; i < r; ++i) s.dims[static_cast<size_t>(i)] = d[i];
  s.rank = r;
  return s;
}

int64_t Shape::numel() const {
  int64_t n = 1;
  for (int i = 0; i < rank; ++i) n *= dims[static_cast<size_t>(i)];
  return n;
}

bool Shape::operator==(const Shape& o) const {
  if (rank != o.rank) return false;
  for (int i = 0; i < rank; ++i)
    if (dims[static_cast<size_t>(i)] != o.dims[static_cast<size_t>(i)]) return false;
  return true;
}

std::string Shape::str() const {
  std::string s = "[";
  for (int i = 0; i < rank; ++i) s += (i ? ", " : "") + std::to_string(dims[static_cast<size_t>(i)]);
  return s + "]";
}

Storage::Storage(size_t bytes, Allocator& allocator)
    : data_(allocator.allocate(bytes)), bytes_(bytes), allocator_(&allocator) {}

Storage::Storage(void* data, size_t bytes, std::shared_ptr<const void> owner)
    : data_(data), bytes_(bytes), owner_(std::move(owner)) {}

Storage::~Storage() {
  if (allocator_) allocator_->deallocate(data_, bytes_);
}

static void set_contiguous_strides(const Shape& shape, std::array<int64_t, Shape::kMaxRank>& strides) {
  int64_t s = 1;
  for (int i = shape.rank - 1; i >= 0; --i) {
    strides[static_cast<size_t>(i)] = s;
    s *= shape[i];
  }
}

static void check_shape(const Shape& shape) {
  constexpr int64_t kMaxElements = int64_t{1} << 40;
  int64_t n = 1;
  for (int i = 0; i < shape.rank; ++i) {
    if (shape[i] < 0) fail("negative dimension in shape " + shape.str());
    if (shape[i] == 0) continue;  // bound the non-zero extents too: strides are products of them
    if (n > kMaxElements / shape[i]) fail("shape " + shape.str() + " is absurdly large");
    n *= shape[i];
  }
}

Tensor Tensor::empty(const Shape& shape, DType dtype) {
  check_shape(shape);
  Tensor t;
  t.storage_ = std::make_shared<Storage>(static_cast<size_t>(shape.numel()) * dtype_size(dtype), current_allocator());
  t.shape_ = shape;
  t.dtype_ = dtype;
  set_contiguous_strides(shape, t.strides_);
  return t;
}

Tensor Tensor::zeros(const Shape& shape, DType dtype) {
  Tensor t = empty(shape, dtype);
  std::memset(t.raw(), 0, t.nbytes());
  return t;
}

Tensor Tensor::borrow(void* data, const Shape& shape, DType dtype, std::shared_ptr<const void> owner) {
  check_shape(shape);
  Tensor t;
  const size_t bytes = static_cast<size_t>(shape.numel()) * dtype_size(dtype);
  t.storage_ = std::make_shared<Storage>(data, bytes, std::move(owner));
  t.shape_ = shape;
  t.dtype_ = dtype;
  set_contiguous_strides(shape, t.strides_);
  return t;
}

bool Tensor::is_contiguous() const {
  int64_t s = 1;
  for (int i = rank() - 1; i >= 0; --i) {
    if (shape_[i] != 1 && strides_[static_cast<size_t>(i)] != s) return false;
    s *= shape_[i];
  }
  return true;
}

void Tensor::check_dtype(DType t) const {
  if (!defined()) fail("use of an undefined tensor");
  if (t != dtype_) fail(std::string("dtype mismatch: tensor is ") + dtype_name(dtype_) + ", accessed as " + dtype_name(t));
}

Tensor Tensor::reshape(const Shape& shape) const {
  if (!is_contiguous()) fail("reshape of a non-contiguous tensor " + describe());
  Shape s = shape;
  int infer = -1;
  int64_t known = 1;
  for (int i = 0; i < s.rank; ++i) {
    if (s[i] == -1) {
      if (infer >= 0) fail("reshape " + shape.str() + ": more than one -1");
      infer = i;
    } else {
      known *= s[i];
    }
  }
  if (infer >= 0 && known > 0 && numel() % known == 0) s[infer] = numel() / known;
  if (s.numel() != numel()) fail("cannot reshape " + describe() + " to " + shape.str());
  Tensor t = *this;
  t.shape_ = s;
  set_contiguous_strides(s, t.strides_);
  return t;
}

Tensor Tensor::slice(int dim, int64_t begin, int64_t end) const {
  const int d = dim < 0 ? dim + rank() : dim;
  if (d < 0 || d >= rank()) fail("slice dim " + std::to_string(dim) + " out of range for " + describe());
  if (begin < 0 || end > shape_[d] || begin > end)
    fail("slice [" + std::to_string(begin) + ", " + std::to_string(end) + ") out of range for dim " +
         std::to_string(d) + " of " + describe());
  Tensor t = *this;
  t.offset_ += static_cast<size_t>(begin * strides_[static_cast<size_t>(d)]) * dtype_size(dtype_);
  t.shape_[d] = end - begin;
  return t;
}

Tensor Tensor::select(int dim, int64_t index) const {
  const int d = dim < 0 ? dim + rank() : dim;
  Tensor t = slice(d, index, index + 1);
  for (int i = d; i + 1 < rank(); ++i) {
    t.shape_[i] = t.shape_[i + 1];
    t.strides_[static_cast<size_t>(i)] = t.strides_[static_cast<size_t>(i + 1)];
  }
  t.shape_.rank--;
  return t;
}

Tensor Tensor::permute(std::initializer_list<int> order) const {
  if (static_cast<int>(order.size()) != rank()) fail("permute order size does not match " + describe());
  Tensor t = *this;
  bool seen[Shape::kMaxRank] = {};
  int i = 0;
  for (int src : order) {
    if (src < 0 || src >= rank() || seen[src]) fail("permute: invalid order for " + describe());
    seen[src] = true;
    t.shape_[i] = shape_[src];
    t.strides_[static_cast<size_t>(i)] = strides_[static_cast<size_t>(src)];
    ++i;
  }
  return t;
}

Tensor Tensor::copy_to(Allocator& allocator) const {
  Tensor out;
  out.storage_ = std::make_shared<Storage>(nbytes(), allocator);
  out.shape_ = shape_;
  out.dtype_ = dtype_;
  set_contiguous_strides(shape_, out.strides_);
  const size_t elem = dtype_size(dtype_);
  if (is_contiguous()) {
    std::memcpy(out.raw(), raw(), nbytes());
    return out;
  }
  // Strided gather: the innermost dimensions that are laid out densely form one run, copied with memcpy;
  // an index over the outer dimensions finds each run.
  if (numel() == 0) return out;
  int outer = rank();
  int64_t run = 1;
  while (outer > 0 && (shape_[outer - 1] == 1 || strides_[static_cast<size_t>(outer - 1)] == run)) run *= shape_[--outer];
  std::array<int64_t, Shape::kMaxRank> idx{};
  const auto* src = static_cast<const uint8_t*>(raw());
  auto* dst = static_cast<uint8_t*>(out.raw());
  const size_t run_bytes = static_cast<size_t>(run) * elem;
  const int64_t runs = numel() / run;
  for (int64_t k = 0; k < runs; ++k) {
    int64_t off = 0;
    for (int i = 0; i < outer; ++i) off += idx[static_cast<size_t>(i)] * strides_[static_cast<size_t>(i)];
    std::memcpy(dst + static_cast<size_t>(k) * run_bytes, src + off * static_cast<int64_t>(elem), run_bytes);
    for (int i = outer - 1; i >= 0; --i) {
      if (++idx[static_cast<size_t>(i)] < shape_[i]) break;
      idx[static_cast<size_t>(i)] = 0;
    }
  }
  return out;
}

Tensor Tensor::contiguous() const { return is_contiguous() ? *this : copy_to(current_allocator()); }

Tensor Tensor::clone() const { return copy_to(heap_allocator()); }

std::string Tensor::describe() const { return std::string(dtype_name(dtype_)) + shape_.str(); }

void Tensor::expect(const Shape& shape, DType dtype, const char* what) const {
  if (!defined() || shape != shape_ || dtype != dtype_)
    fail(std::string(what) + ": expected " + dtype_name(dtype) + shape.str() + ", got " +
         (defined() ? describe() : std::string("undefined tensor")));
}

}  // namespace lsam
