#include "weights/pickle_value.h"

#include "weights/error.h"

namespace lsam {

const char* kind_name(Value::Kind kind) {
  switch (kind) {
    case Value::Kind::none: return "None";
    case Value::Kind::boolean: return "bool";
    case Value::Kind::integer: return "int";
    case Value::Kind::big_integer: return "int";
    case Value::Kind::real: return "float";
    case Value::Kind::string: return "str";
    case Value::Kind::bytes: return "bytes";
    case Value::Kind::tuple: return "tuple";
    case Value::Kind::list: return "list";
    case Value::Kind::dict: return "dict";
    case Value::Kind::global: return "global";
    case Value::Kind::object: return "object";
    case Value::Kind::storage: return "storage";
    case Value::Kind::tensor: return "tensor";
  }
  return "?";
}

std::string describe(const Value& v) {
  constexpr size_t kMaxText = 60;
  const auto clip = [](const std::string& s) { return s.size() > kMaxText ? s.substr(0, kMaxText) + "..." : s; };
  switch (v.kind) {
    case Value::Kind::none: return "None";
    case Value::Kind::integer: return "the int " + std::to_string(v.integer);
    case Value::Kind::string: return "the str '" + clip(v.text) + "'";
    case Value::Kind::tuple:
    case Value::Kind::list: return std::string("a ") + kind_name(v.kind) + " of " + std::to_string(v.items.size()) + " items";
    case Value::Kind::dict: return "a dict of " + std::to_string(v.entries.size()) + " entries";
    case Value::Kind::global: return "the global '" + clip(v.text) + "'";
    case Value::Kind::object: return "an object '" + clip(v.text) + "'";
    case Value::Kind::tensor: return "a tensor " + v.tensor->shape.str();
    case Value::Kind::big_integer: return "a big int";
    default: return std::string("a ") + kind_name(v.kind);
  }
}

const Value* dict_get(const Value& dict, std::string_view key) {
  if (dict.kind != Value::Kind::dict) return nullptr;
  for (auto it = dict.entries.rbegin(); it != dict.entries.rend(); ++it)
    if (it->first->is_string(key)) return it->second;
  return nullptr;
}

Value* PickleHeap::make(Value::Kind kind, const std::string& where) {
  charge(sizeof(Value), where);
  Value& v = values_.emplace_back();
  v.kind = kind;
  return &v;
}

void PickleHeap::charge(size_t bytes, const std::string& where) {
  if (bytes > budget_ - used_)
    fail(where, "pickle needs more than its memory budget of " + std::to_string(budget_ >> 20) + " MiB");
  used_ += bytes;
}

}  // namespace lsam
