#include "weights/named_weights.h"

#include <algorithm>

#include "engine/memory.h"

namespace lsam {

Tensor heap_f32(const Shape& shape) {
  const size_t bytes = std::max<size_t>(static_cast<size_t>(shape.numel()) * 4, kTensorAlignment);
  void* p = aligned_malloc(bytes);
  return Tensor::borrow(p, shape, DType::f32, std::shared_ptr<void>(p, aligned_free));
}

}  // namespace lsam
