#include "weights/torch_file.h"

#include <cstdint>

#include "engine/memory.h"
#include "weights/error.h"
#include "weights/named_weights.h"
#include "weights/zip_reader.h"

namespace lsam {
namespace {

bool is_contiguous(const TensorRef& t) {
  int64_t expected = 1;
  for (int i = t.shape.rank - 1; i >= 0; --i) {
    if (t.shape[i] != 1 && t.strides[static_cast<size_t>(i)] != expected) return false;
    expected *= t.shape[i];
  }
  return true;
}

}  // namespace

std::unique_ptr<TorchFile> TorchFile::open(std::shared_ptr<const FileBytes> file) {
  if (ZipReader::looks_like_zip(*file)) return open_torch_zip(std::move(file));
  if (looks_like_torch_legacy(*file)) return open_torch_legacy(std::move(file));
  fail(file->name(), "not a PyTorch checkpoint (neither a torch.save zip nor a legacy pickle)");
}

Tensor TorchFile::to_f32(const Value& value) const {
  if (!value.is(Value::Kind::tensor)) fail(name(), "expected a tensor, found " + describe(value));
  const TensorRef& t = *value.tensor;
  const StorageRef& s = *t.storage->storage;
  const SharedBytes bytes = storage_bytes(s);
  const size_t elem = source_dtype_size(s.dtype);
  const uint8_t* origin = bytes.data + static_cast<size_t>(t.offset) * elem;
  const bool contiguous = is_contiguous(t);
  if (s.dtype == SourceDType::f32 && contiguous && reinterpret_cast<uintptr_t>(origin) % kTensorAlignment == 0)
    return Tensor::borrow(const_cast<uint8_t*>(origin), t.shape, DType::f32, bytes.owner);

  Tensor out = heap_f32(t.shape);
  float* dst = out.data<float>();
  const int64_t n = t.shape.numel();
  if (contiguous) {
    convert_to_f32(s.dtype, origin, dst, static_cast<size_t>(n));
    return out;
  }
  // Strided gather, one element at a time: only odd checkpoints store non-contiguous tensors.
  std::array<int64_t, Shape::kMaxRank> index{};
  for (int64_t k = 0; k < n; ++k) {
    int64_t at = 0;
    for (int i = 0; i < t.shape.rank; ++i) at += index[static_cast<size_t>(i)] * t.strides[static_cast<size_t>(i)];
    convert_to_f32(s.dtype, origin + static_cast<size_t>(at) * elem, dst + k, 1);
    for (int i = t.shape.rank - 1; i >= 0; --i) {
      if (++index[static_cast<size_t>(i)] < t.shape[i]) break;
      index[static_cast<size_t>(i)] = 0;
    }
  }
  return out;
}

}  // namespace lsam
