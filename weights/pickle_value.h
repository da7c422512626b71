// Values produced by the pickle machine (pickle.h). They live in a PickleHeap and point at each other with
// plain pointers, so the shared and even cyclic graphs a pickle can build (through its memo) need no
// reference counting and are freed all at once with the heap.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/tensor.h"
#include "weights/source_dtype.h"

namespace lsam {

struct Value;

// A torch storage named by a persistent id: its bytes are fetched only when a tensor is materialised.
struct StorageRef {
  SourceDType dtype = SourceDType::f32;
  std::string key;
  int64_t numel = 0;
};

// A strided view of a storage, as torch._utils._rebuild_tensor_v2 describes it (already bounds-checked).
struct TensorRef {
  const Value* storage = nullptr;  // kind storage
  int64_t offset = 0;              // elements
  Shape shape;
  std::array<int64_t, Shape::kMaxRank> strides{};
};

struct Value {
  enum class Kind : uint8_t {
    none, boolean, integer, big_integer, real, string, bytes, tuple, list, dict,
    global,   // text: "module.name"
    object,   // an instance or call result we never execute: text = class or callable name
    storage, tensor,
  };

  Kind kind = Kind::none;
  bool flag = false;     // boolean
  int64_t integer = 0;   // integer
  double real = 0;       // real
  std::string text;      // string, bytes, global and object names; big_integer: little-endian two's complement
  std::vector<Value*> items;                        // tuple, list (sets too); object: the call's arguments
  std::vector<std::pair<Value*, Value*>> entries;   // dict, in insertion order
  Value* state = nullptr;                           // object: what BUILD set
  std::unique_ptr<StorageRef> storage;
  std::unique_ptr<TensorRef> tensor;

  bool is(Kind k) const { return kind == k; }
  bool is_string(std::string_view s) const { return kind == Kind::string && text == s; }
};

const char* kind_name(Value::Kind kind);
// One-line description for error messages, with its article: "a dict of 3 entries", "an object 'm.C'".
std::string describe(const Value& v);
// The value stored under string key `key` in a dict (the last one if the pickle set it twice), or nullptr.
const Value* dict_get(const Value& dict, std::string_view key);

// Owns every Value of one unpickling session and bounds their total size.
class PickleHeap {
 public:
  explicit PickleHeap(size_t budget_bytes) : budget_(budget_bytes) {}
  PickleHeap(const PickleHeap&) = delete;
  PickleHeap& operator=(const PickleHeap&) = delete;

  Value* make(Value::Kind kind, const std::string& where);
  // Accounts for memory a value grows by (strings, list items); throws once the budget is spent.
  void charge(size_t bytes, const std::string& where);

 private:
  std::deque<Value> values_;  // a deque never moves its elements, so Value* stay valid
  size_t used_ = 0;
  size_t budget_;
};

}  // namespace lsam
