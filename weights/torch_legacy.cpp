// The legacy torch.save format (before torch 1.6, or _use_new_zipfile_serialization=False): five pickles
// in a row (magic number, protocol version, sys_info, the data, the sorted list of storage keys), then
// each storage in that order as an int64 element count followed by its raw bytes.
#include <unordered_map>

#include "weights/byte_reader.h"
#include "weights/error.h"
#include "weights/pickle.h"
#include "weights/torch_file.h"
#include "weights/torch_pickle.h"

namespace lsam {
namespace {

// 0x1950a86a20f9469cfc6c as pickle's LONG1 writes it: little-endian two's complement.
constexpr uint8_t kMagic[] = {0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19};
constexpr int64_t kProtocolVersion = 1001;

class TorchLegacy final : public TorchFile {
 public:
  explicit TorchLegacy(std::shared_ptr<const FileBytes> file) : TorchFile(std::move(file), "torch legacy") {
    ByteReader r(file_->data(), file_->size(), name());
    heap_ = std::make_unique<PickleHeap>(pickle_budget(file_->size()));
    const auto next = [&](PickleHooks* hooks) {
      size_t used = 0;
      Value* v = unpickle(file_->data() + r.pos(), r.remaining(), *heap_, hooks, name(), &used);
      r.skip(used);
      return v;
    };

    const Value* magic = next(nullptr);
    if (!magic->is(Value::Kind::big_integer) || magic->text != std::string(std::begin(kMagic), std::end(kMagic)))
      fail(name(), "not a PyTorch checkpoint (legacy magic number missing)");
    const Value* protocol = next(nullptr);
    if (!protocol->is(Value::Kind::integer) || protocol->integer != kProtocolVersion)
      fail(name(), "unsupported legacy protocol version");
    const Value* sys_info = next(nullptr);
    const Value* little = dict_get(*sys_info, "little_endian");
    if (!little || !little->is(Value::Kind::boolean)) fail(name(), "legacy sys_info lacks little_endian");
    if (!little->flag) fail(name(), "big-endian checkpoints are not supported");

    TorchPickleHooks hooks(/*legacy=*/true);
    root_ = next(&hooks);
    const Value* keys = next(nullptr);
    if (!keys->is(Value::Kind::list)) fail(name(), "legacy storage key list is " + describe(*keys));

    for (const Value* key : keys->items) {
      if (!key->is(Value::Kind::string)) fail(name(), "legacy storage key is " + describe(*key));
      const auto it = hooks.storages().find(key->text);
      if (it == hooks.storages().end()) fail(name(), "legacy storage '" + key->text + "' is listed but never used");
      const StorageRef& s = *it->second->storage;
      const int64_t numel = r.i64();
      if (numel != s.numel)
        fail(name(), "legacy storage '" + key->text + "' holds " + std::to_string(numel) + " elements, its tensors expect " +
                         std::to_string(s.numel));
      const size_t bytes = static_cast<size_t>(numel) * source_dtype_size(s.dtype);
      if (!offsets_.emplace(key->text, r.pos()).second) fail(name(), "legacy storage '" + key->text + "' listed twice");
      r.skip(bytes);
    }
    if (offsets_.size() != hooks.storages().size()) fail(name(), "a legacy storage is used but never stored");
  }

 protected:
  SharedBytes storage_bytes(const StorageRef& s) const override {
    const auto it = offsets_.find(s.key);
    if (it == offsets_.end()) fail(name(), "missing legacy storage '" + s.key + "'");
    return {file_->data() + it->second, static_cast<size_t>(s.numel) * source_dtype_size(s.dtype), file_};
  }

 private:
  std::unordered_map<std::string, size_t> offsets_;  // storage key -> byte offset of its data
};

}  // namespace

bool looks_like_torch_legacy(const FileBytes& file) {
  // A protocol 2+ pickle whose first value is the LONG1 magic number.
  return file.size() >= 14 && file.data()[0] == 0x80 && file.data()[1] >= 2 && file.data()[1] <= 5 &&
         file.data()[2] == 0x8a && file.data()[3] == sizeof(kMagic);
}

std::unique_ptr<TorchFile> open_torch_legacy(std::shared_ptr<const FileBytes> file) {
  return std::make_unique<TorchLegacy>(std::move(file));
}

}  // namespace lsam
