#include "weights/checkpoint.h"

#include <cmath>
#include <unordered_set>

#include "weights/error.h"

namespace lsam {
namespace {

using Kind = Value::Kind;

constexpr int kMaxModuleDepth = 64;
constexpr size_t kMaxModules = size_t{1} << 20;  // bounds the walk even when a hostile pickle shares subtrees

std::string top_level_keys(const Value& dict) {
  std::string keys;
  size_t shown = 0;
  for (const auto& [key, value] : dict.entries) {
    if (shown++ == 8) return keys + ", ...";
    keys += (keys.empty() ? "" : ", ") + (key->is(Kind::string) ? key->text : describe(*key)) + " (" + describe(*value) + ")";
  }
  return keys;
}

class Collector {
 public:
  explicit Collector(const TorchFile& file) : file_(file) {}

  void state_dict(const Value& dict) {
    bool any_tensor = false;
    for (const auto& entry : dict.entries) any_tensor = any_tensor || entry.second->is(Kind::tensor);
    if (!any_tensor) fail(file_.name(), "no state dict found; top-level keys: " + top_level_keys(dict));
    for (const auto& [key, value] : dict.entries) {
      if (!key->is(Kind::string)) fail(file_.name(), "state dict key is " + describe(*key));
      add(key->text, *value);
    }
  }

  void module(const Value& obj, const std::string& prefix, int depth) {
    if (depth > kMaxModuleDepth) fail(file_.name(), "modules nested more than " + std::to_string(kMaxModuleDepth) + " deep");
    if (++modules_ > kMaxModules) fail(file_.name(), "more than " + std::to_string(kMaxModules) + " modules");
    const Value* state = obj.state;
    const Value* params = state ? dict_get(*state, "_parameters") : nullptr;
    const Value* buffers = state ? dict_get(*state, "_buffers") : nullptr;
    const Value* children = state ? dict_get(*state, "_modules") : nullptr;
    if (!params || !buffers || !children || !params->is(Kind::dict) || !buffers->is(Kind::dict) || !children->is(Kind::dict))
      fail(file_.name(), "'" + obj.text + "' at '" + prefix + "' is not a pickled torch.nn.Module");

    for (const auto& [key, value] : params->entries) tensor_or_none(*key, *value, prefix);
    const Value* skipped = dict_get(*state, "_non_persistent_buffers_set");
    for (const auto& [key, value] : buffers->entries)
      if (!(skipped && skipped->is(Kind::list) && contains(*skipped, *key))) tensor_or_none(*key, *value, prefix);

    const Value* eps = dict_get(*state, "eps");
    if (eps && eps->is(Kind::real) && dict_get(*buffers, "running_var"))
      result_.batchnorm_eps[prefix.empty() ? prefix : prefix.substr(0, prefix.size() - 1)] = eps->real;

    for (const auto& [key, child] : children->entries) {
      if (!key->is(Kind::string)) fail(file_.name(), "module name is " + describe(*key));
      if (child->is(Kind::none)) continue;
      if (!child->is(Kind::object)) fail(file_.name(), "module '" + prefix + key->text + "' is " + describe(*child));
      module(*child, prefix + key->text + ".", depth + 1);
    }
  }

  // Ultralytics models carry their output strides as a tensor attribute.
  void attributes(const Value& obj) {
    const Value* stride = obj.state ? dict_get(*obj.state, "stride") : nullptr;
    if (!stride || !stride->is(Kind::tensor) || stride->tensor->shape.rank != 1 ||
        stride->tensor->shape[0] < 1 || stride->tensor->shape[0] > 16)
      return;
    const Tensor t = file_.to_f32(*stride);
    std::string s;
    for (int64_t i = 0; i < t.numel(); ++i) {
      const float v = t.data<float>()[i];
      if (!(v >= 1 && v <= 4096 && v == std::floor(v))) return;
      if (i) s += ',';
      s += std::to_string(static_cast<int>(v));
    }
    result_.attributes["stride"] = s;
  }

  Checkpoint take() {
    if (result_.tensors.empty()) fail(file_.name(), "the checkpoint holds no tensors");
    return std::move(result_);
  }

 private:
  static bool contains(const Value& list, const Value& key) {
    for (const Value* v : list.items)
      if (v->is(Kind::string) && key.is(Kind::string) && v->text == key.text) return true;
    return false;
  }

  void tensor_or_none(const Value& key, const Value& value, const std::string& prefix) {
    if (!key.is(Kind::string)) fail(file_.name(), "tensor name is " + describe(key));
    if (!value.is(Kind::none)) add(prefix + key.text, value);
  }

  void add(const std::string& name, const Value& value) {
    if (!value.is(Kind::tensor)) fail(file_.name(), "'" + name + "' is " + describe(value) + ", not a tensor");
    if (!names_.insert(name).second) fail(file_.name(), "tensor '" + name + "' appears twice");
    // f16 doubles in size as f32 and views may overlap, but a hostile file that views one storage a
    // million times must not turn into terabytes of copies.
    bytes_ += static_cast<uint64_t>(value.tensor->shape.numel()) * 4;
    if (bytes_ > 4 * static_cast<uint64_t>(file_.file_size()) + (uint64_t{64} << 20))
      fail(file_.name(), "its tensors as f32 would take over 4 times the file size");
    result_.tensors.push_back({name, file_.to_f32(value), value.tensor->storage->storage->dtype});
  }

  const TorchFile& file_;
  Checkpoint result_;
  std::unordered_set<std::string> names_;
  size_t modules_ = 0;
  uint64_t bytes_ = 0;
};

}  // namespace

Checkpoint read_checkpoint(const TorchFile& file) {
  Collector c(file);
  const Value& root = file.root();
  const auto from_model = [&](const Value& model) {
    c.module(model, "", 0);
    c.attributes(model);
  };
  if (root.is(Kind::object)) {
    from_model(root);
  } else if (root.is(Kind::dict)) {
    // Ultralytics keeps the EMA weights (what it evaluates with) beside the raw ones; 'ema' may be None.
    const Value* ema = dict_get(root, "ema");
    const Value* model = dict_get(root, "model");
    if (!model) model = dict_get(root, "state_dict");
    if (ema && ema->is(Kind::object))
      from_model(*ema);
    else if (model && model->is(Kind::object))
      from_model(*model);
    else if (model && model->is(Kind::dict))
      c.state_dict(*model);
    else if (!model || model->is(Kind::tensor))
      c.state_dict(root);
    else
      fail(file.name(), "'model' is " + describe(*model) + "; top-level keys: " + top_level_keys(root));
  } else {
    fail(file.name(), "the checkpoint is " + describe(root) + ", not a state dict or a model");
  }
  return c.take();
}

}  // namespace lsam
