// The model code's view of a weights file: named f32 tensors plus family and configuration.
//
//   WeightStore w = WeightStore::open("mobile_sam.lsam");   // or the .pt itself
//   const Tensor& qkv = w.get("image_encoder.layers.1.blocks.0.attn.qkv.weight", {384, 128});
//
// A .lsam file is mapped and its tensors are views of the mapping: opening costs a few header checks
// (plus one pass over the data when verify_data is on). A PyTorch checkpoint is converted in memory
// exactly as `lsam convert` would (BatchNorm folded and all). The kind of file is told by its content,
// not its name. Tensors are read-only: the mapping is, and writing through one would fault.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/tensor.h"
#include "weights/file_bytes.h"
#include "weights/named_weights.h"

namespace lsam {

class WeightStore {
 public:
  struct Options {
    bool verify_data = true;  // .lsam: check the data checksum (one read of the whole file)
    std::string family;       // .pt: force the family instead of detecting it
  };

  static WeightStore open(const std::string& path);
  static WeightStore open(const std::string& path, const Options& options);
  // A store over weights built in memory (tests that make up tensors); `name` stands in for the path.
  static WeightStore from_weights(std::string name, Weights weights);
  // A store that makes weights up on request: get(name, shape) returns a deterministic random tensor for
  // any name (the same one on every call), so a model definition can be instantiated without a file, as
  // the demo does. The values follow the initialisation the name implies (synthetic_weights.h).
  static WeightStore synthetic(std::string family, uint64_t seed);

  const std::string& path() const { return path_; }
  const std::string& family() const { return weights_.family; }
  const std::string& source_format() const { return weights_.source_format; }
  const std::vector<std::string>& transforms() const { return weights_.transforms; }
  bool has_transform(const std::string& t) const;

  const Config& config() const { return weights_.config; }
  bool has_config(const std::string& key) const { return weights_.config.count(key) != 0; }
  // Throw "FILE: missing config 'key'" or "FILE: config 'key' = 'v' is not ..." as appropriate.
  const std::string& config_string(const std::string& key) const;
  int64_t config_int(const std::string& key) const;
  std::vector<int64_t> config_ints(const std::string& key) const;  // "2,2,6,2"

  bool contains(const std::string& name) const { return index_.count(name) != 0; }
  // Throws WeightsError "FILE: missing tensor 'name'".
  const Tensor& get(const std::string& name) const;
  // Also checks the shape: "FILE: tensor 'name' has shape [a, b], expected [c, d]".
  const Tensor& get(const std::string& name, const Shape& expected) const;
  SourceDType source_dtype(const std::string& name) const;

  // For a mapped .lsam: drop the file's pages from resident memory once a model has packed its weights
  // (tensors still borrowed from it fault back in from the file). No effect on other stores.
  void release_file_pages() const;
  std::vector<std::string> names() const;  // in file (state_dict) order
  size_t size() const { return weights_.tensors.size(); }

 private:
  WeightStore(std::string path, Weights weights);
  std::shared_ptr<const FileBytes> file_;  // the mapping behind a .lsam store
  const NamedTensor& entry(const std::string& name) const;
  const Tensor& made_up(const std::string& name, const Shape& shape) const;

  std::string path_;
  Weights weights_;
  std::unordered_map<std::string, size_t> index_;
  bool synthetic_ = false;
  uint64_t seed_ = 0;
  mutable std::unordered_map<std::string, Tensor> made_up_;  // node-based: references stay valid
};

}  // namespace lsam
