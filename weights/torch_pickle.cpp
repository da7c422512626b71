#include "weights/torch_pickle.h"

#include <algorithm>

#include "weights/error.h"

namespace lsam {
namespace {

using Kind = Value::Kind;

// A storage's element count as the persistent id states it; the file must then hold exactly this many.
constexpr int64_t kMaxStorageElements = int64_t{1} << 40;

int64_t int_arg(const Value& v, const std::string& what, const std::string& where) {
  if (!v.is(Kind::integer)) fail(where, what + " is " + describe(v) + ", not an int");
  return v.integer;
}

// _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata]) and the
// older _rebuild_tensor(storage, storage_offset, size, stride): the view must lie inside the storage.
Value* tensor_view(PickleHeap& heap, const Value& args, const std::string& where) {
  if (args.items.size() < 4) fail(where, "tensor rebuild with " + std::to_string(args.items.size()) + " arguments");
  const Value& storage = *args.items[0];
  const Value& size = *args.items[2];
  const Value& stride = *args.items[3];
  if (!storage.is(Kind::storage)) fail(where, "tensor rebuilt from " + describe(storage) + ", not a storage");
  if (!size.is(Kind::tuple) || !stride.is(Kind::tuple) || size.items.size() != stride.items.size())
    fail(where, "tensor size and stride must be tuples of equal length");
  const size_t rank = size.items.size();
  if (rank > static_cast<size_t>(Shape::kMaxRank))
    fail(where, "tensor of rank " + std::to_string(rank) + " (at most " + std::to_string(Shape::kMaxRank) + " supported)");

  auto t = std::make_unique<TensorRef>();
  t->storage = &storage;
  t->offset = int_arg(*args.items[1], "storage offset", where);
  t->shape.rank = static_cast<int>(rank);
  const int64_t available = storage.storage->numel;
  if (t->offset < 0 || t->offset > available)
    fail(where, "tensor offset " + std::to_string(t->offset) + " outside its storage of " + std::to_string(available) +
                    " elements");
  // The product of the non-zero sizes is bounded too: an empty [0, 2^40, 2^40] tensor would still
  // overflow the contiguous strides computed for it.
  bool empty = false;
  int64_t extent = 1;
  for (size_t i = 0; i < rank; ++i) {
    const int64_t n = int_arg(*size.items[i], "tensor size", where), s = int_arg(*stride.items[i], "tensor stride", where);
    if (n < 0 || s < 0 || n > kMaxStorageElements || s > kMaxStorageElements)
      fail(where, "tensor size " + std::to_string(n) + " or stride " + std::to_string(s) + " out of range");
    t->shape.dims[i] = n;
    t->strides[i] = s;
    empty = empty || n == 0;
    if (n > 0 && extent > kMaxStorageElements / n) fail(where, "tensor " + t->shape.str() + " has more than 2^40 elements");
    extent *= std::max<int64_t>(n, 1);
  }
  // The last element's index, offset + sum((size - 1) * stride), must lie inside the storage; each step
  // is checked before it is taken, so nothing overflows.
  if (!empty) {
    int64_t last = t->offset;
    for (size_t i = 0; i < rank; ++i) {
      const int64_t n = t->shape.dims[i], s = t->strides[i];
      if (s > 0 && n - 1 > (available - 1 - last) / s)
        fail(where, "tensor of size " + t->shape.str() + " at offset " + std::to_string(t->offset) +
                        " exceeds its storage of " + std::to_string(available) + " elements");
      last += (n - 1) * s;
    }
    if (last >= available)
      fail(where, "tensor of size " + t->shape.str() + " at offset " + std::to_string(t->offset) +
                      " exceeds its storage of " + std::to_string(available) + " elements");
  }
  Value* v = heap.make(Kind::tensor, where);
  v->tensor = std::move(t);
  return v;
}

}  // namespace

Value* TorchPickleHooks::persistent_load(PickleHeap& heap, const Value& pid, const std::string& where) {
  // ('storage', storage_type, key, location, numel[, view_metadata])
  const size_t expected = legacy_ ? 6 : 5;
  if (!pid.is(Kind::tuple) || pid.items.size() != expected || !pid.items[0]->is_string("storage"))
    fail(where, "persistent id is " + describe(pid) + ", not a " + std::to_string(expected) + "-tuple ('storage', ...)");
  const Value& type = *pid.items[1];
  const Value& key = *pid.items[2];
  if (!type.is(Kind::global)) fail(where, "storage type is " + describe(type));
  const std::optional<SourceDType> dtype = source_dtype_from_torch_name(type.text);
  if (!dtype) fail(where, "unsupported storage type '" + type.text + "'");
  if (!key.is(Kind::string)) fail(where, "storage key is " + describe(key));
  const int64_t numel = int_arg(*pid.items[4], "storage size", where);
  if (numel < 0 || numel > kMaxStorageElements) fail(where, "storage of " + std::to_string(numel) + " elements");
  if (legacy_ && !pid.items[5]->is(Kind::none)) fail(where, "legacy storage views are not supported");

  if (const auto it = storages_.find(key.text); it != storages_.end()) {
    const StorageRef& s = *it->second->storage;
    if (s.dtype != *dtype || s.numel != numel)
      fail(where, "storage '" + key.text + "' is named twice with different types or sizes");
    return it->second;
  }
  Value* v = heap.make(Kind::storage, where);
  heap.charge(key.text.size(), where);
  v->storage = std::make_unique<StorageRef>(StorageRef{*dtype, key.text, numel});
  storages_.emplace(key.text, v);
  return v;
}

Value* TorchPickleHooks::call(PickleHeap& heap, const std::string& name, const Value& args, const std::string& where) {
  return rebuild(heap, name, args, where, 0);
}

Value* TorchPickleHooks::rebuild(PickleHeap& heap, const std::string& name, const Value& args, const std::string& where,
                                 int depth) {
  if (name == "torch._utils._rebuild_tensor_v2" || name == "torch._utils._rebuild_tensor")
    return tensor_view(heap, args, where);
  if (name == "torch._utils._rebuild_parameter" || name == "torch._utils._rebuild_parameter_with_state") {
    // (data, requires_grad, backward_hooks[, state]): a Parameter is its tensor here
    if (args.items.empty() || !args.items[0]->is(Kind::tensor))
      fail(where, "parameter rebuilt from something other than a tensor");
    return args.items[0];
  }
  if (name == "torch._tensor._rebuild_from_type_v2" || name == "torch._tensor._rebuild_from_type") {
    // (func, type, args, state): a tensor subclass; rebuild the plain tensor with func(*args)
    if (depth > 0) fail(where, "nested tensor subclass rebuild");
    if (args.items.size() < 3 || !args.items[0]->is(Kind::global) || !args.items[2]->is(Kind::tuple))
      fail(where, "malformed tensor subclass rebuild");
    Value* v = rebuild(heap, args.items[0]->text, *args.items[2], where, depth + 1);
    if (!v) fail(where, "tensor subclass rebuilt by unknown function '" + args.items[0]->text + "'");
    return v;
  }
  return nullptr;
}

}  // namespace lsam
