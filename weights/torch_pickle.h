// The torch half of unpickling a checkpoint: persistent ids become storages and the tensor rebuild
// functions of torch._utils / torch._tensor become bounds-checked TensorRefs. Any other global stays inert.
#pragma once

#include <string>
#include <unordered_map>

#include "weights/pickle.h"

namespace lsam {

class TorchPickleHooks final : public PickleHooks {
 public:
  // Legacy (pre-1.6) files add a sixth element, the storage view metadata, to each persistent id.
  explicit TorchPickleHooks(bool legacy) : legacy_(legacy) {}

  Value* persistent_load(PickleHeap& heap, const Value& pid, const std::string& where) override;
  Value* call(PickleHeap& heap, const std::string& name, const Value& args, const std::string& where) override;

  // Storages by key, each created once however many tensors share it.
  const std::unordered_map<std::string, Value*>& storages() const { return storages_; }

 private:
  Value* rebuild(PickleHeap& heap, const std::string& name, const Value& args, const std::string& where, int depth);

  bool legacy_;
  std::unordered_map<std::string, Value*> storages_;
};

}  // namespace lsam
