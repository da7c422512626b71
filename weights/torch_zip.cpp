// torch.save's zip format (torch >= 1.6): ARCHIVE/data.pkl is the pickle, ARCHIVE/data/KEY the raw bytes of
// each storage, ARCHIVE/byteorder ("little" or "big", absent before torch 1.10 meaning little) and
// ARCHIVE/version. ARCHIVE is the file's stem when it was saved, so any single top-level folder is accepted.
#include <unordered_map>

#include "weights/error.h"
#include "weights/pickle.h"
#include "weights/torch_file.h"
#include "weights/torch_pickle.h"
#include "weights/zip_reader.h"

namespace lsam {
namespace {

std::string trimmed(const SharedBytes& b) {
  std::string s(reinterpret_cast<const char*>(b.data), b.size);
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

class TorchZip final : public TorchFile {
 public:
  explicit TorchZip(std::shared_ptr<const FileBytes> file) : TorchFile(file, "torch zip"), zip_(std::move(file)) {
    const ZipEntry* pickle = find_pickle();
    const std::string folder = pickle->name.substr(0, pickle->name.size() - std::string_view("data.pkl").size());
    folder_ = folder;
    if (const ZipEntry* order = zip_.find(folder + "byteorder")) {
      const std::string s = trimmed(zip_.read(*order));
      if (s == "big") fail(name(), "big-endian checkpoints are not supported (byteorder 'big')");
      if (s != "little") fail(name(), "unknown byteorder record '" + s.substr(0, 20) + "'");
    }
    if (const ZipEntry* version = zip_.find(folder + "version")) {
      const std::string v = trimmed(zip_.read(*version));
      if (v.size() > 8 || v.find_first_not_of("0123456789") != std::string::npos)
        fail(name(), "malformed version record '" + v.substr(0, 20) + "'");
      format_ += " v" + v;
    }
    const SharedBytes data = zip_.read(*pickle);
    heap_ = std::make_unique<PickleHeap>(pickle_budget(data.size));
    TorchPickleHooks hooks(/*legacy=*/false);
    root_ = unpickle(data.data, data.size, *heap_, &hooks, name() + ": " + pickle->name);
  }

 protected:
  SharedBytes storage_bytes(const StorageRef& s) const override {
    if (const auto it = cache_.find(s.key); it != cache_.end()) return it->second;
    const std::string entry_name = folder_ + "data/" + s.key;
    const ZipEntry* e = zip_.find(entry_name);
    if (!e) fail(name(), "missing storage record '" + entry_name + "'");
    const uint64_t expected = static_cast<uint64_t>(s.numel) * source_dtype_size(s.dtype);
    if (e->size != expected)
      fail(name(), "storage record '" + entry_name + "' has " + std::to_string(e->size) + " bytes, its " +
                       std::to_string(s.numel) + " " + source_dtype_name(s.dtype) + " elements need " +
                       std::to_string(expected));
    // Kept for the other tensors that view the same storage: a deflated one is inflated only once.
    return cache_.emplace(s.key, zip_.read(*e)).first->second;
  }

 private:
  // The one data.pkl at the top level or in a single top-level folder.
  const ZipEntry* find_pickle() const {
    const ZipEntry* found = nullptr;
    for (const ZipEntry& e : zip_.entries()) {
      const size_t slash = e.name.find('/');
      const bool top = e.name == "data.pkl" || (slash != std::string::npos && e.name.substr(slash + 1) == "data.pkl");
      if (!top) continue;
      if (found) fail(name(), "two pickles in one archive: '" + found->name + "' and '" + e.name + "'");
      found = &e;
    }
    if (!found) fail(name(), "zip archive without a data.pkl record: not a torch.save file");
    return found;
  }

  ZipReader zip_;
  std::string folder_;
  mutable std::unordered_map<std::string, SharedBytes> cache_;
};

}  // namespace

std::unique_ptr<TorchFile> open_torch_zip(std::shared_ptr<const FileBytes> file) {
  return std::make_unique<TorchZip>(std::move(file));
}

}  // namespace lsam
