// A torch.save file, unpickled: the zip format of torch >= 1.6 (torch_zip.cpp) or the legacy stream of
// pickles and raw storages (torch_legacy.cpp). Tensors are read lazily, one at a time, as f32.
#pragma once

#include <memory>
#include <string>

#include "engine/tensor.h"
#include "weights/file_bytes.h"
#include "weights/pickle_value.h"

namespace lsam {

class TorchFile {
 public:
  virtual ~TorchFile() = default;

  // Recognises the format by content; throws WeightsError naming the file for anything else.
  static std::unique_ptr<TorchFile> open(std::shared_ptr<const FileBytes> file);

  const Value& root() const { return *root_; }
  const std::string& name() const { return file_->name(); }
  size_t file_size() const { return file_->size(); }
  const std::string& format() const { return format_; }  // "torch zip v3", "torch legacy"

  // The tensor as a contiguous f32 Tensor: a view into the file when it is f32, contiguous and 64-byte
  // aligned there, otherwise a converted heap copy (never from an arena, whatever allocator is current).
  // Not thread-safe: storages are cached as they are first read.
  Tensor to_f32(const Value& tensor) const;

 protected:
  TorchFile(std::shared_ptr<const FileBytes> file, std::string format)
      : file_(std::move(file)), format_(std::move(format)) {}

  // Exactly numel * element size bytes of the storage, or a WeightsError.
  virtual SharedBytes storage_bytes(const StorageRef& storage) const = 0;

  // Memory budget for unpickling `bytes` of pickle: generous for real checkpoints, bounded for hostile ones.
  static size_t pickle_budget(size_t bytes) { return (size_t{64} << 20) + 256 * bytes; }

  std::shared_ptr<const FileBytes> file_;
  std::string format_;
  std::unique_ptr<PickleHeap> heap_;
  const Value* root_ = nullptr;
};

std::unique_ptr<TorchFile> open_torch_zip(std::shared_ptr<const FileBytes> file);
std::unique_ptr<TorchFile> open_torch_legacy(std::shared_ptr<const FileBytes> file);
bool looks_like_torch_legacy(const FileBytes& file);

}  // namespace lsam
