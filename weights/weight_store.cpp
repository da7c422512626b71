#include "weights/weight_store.h"

#include <algorithm>

#include "weights/convert.h"
#include "weights/error.h"
#include "weights/lsam_format.h"
#include "weights/synthetic_weights.h"

namespace lsam {

WeightStore::WeightStore(std::string path, Weights weights) : path_(std::move(path)), weights_(std::move(weights)) {
  index_.reserve(weights_.tensors.size());
  for (size_t i = 0; i < weights_.tensors.size(); ++i)
    if (!index_.emplace(weights_.tensors[i].name, i).second)
      fail(path_, "tensor '" + weights_.tensors[i].name + "' appears twice");
}

WeightStore WeightStore::open(const std::string& path) { return open(path, Options{}); }

WeightStore WeightStore::open(const std::string& path, const Options& options) {
  std::shared_ptr<const FileBytes> file = FileBytes::map(path);
  if (looks_like_lsam(*file)) {
    if (!options.family.empty()) fail(path, "--family applies to PyTorch checkpoints, not .lsam files");
    WeightStore store(path, read_lsam(file, options.verify_data));
    store.file_ = std::move(file);
    return store;
  }
  return WeightStore(path, convert_torch(std::move(file), ConvertOptions{options.family}));
}

WeightStore WeightStore::from_weights(std::string name, Weights weights) {
  return WeightStore(std::move(name), std::move(weights));
}

WeightStore WeightStore::synthetic(std::string family, uint64_t seed) {
  Weights w;
  w.family = std::move(family);
  w.source_format = "synthetic";
  w.transforms = {"bn_folded"};  // there is no BatchNorm to fold: convs come with their bias
  WeightStore store("synthetic " + w.family + " (seed " + std::to_string(seed) + ")", std::move(w));
  store.synthetic_ = true;
  store.seed_ = seed;
  return store;
}

const Tensor& WeightStore::made_up(const std::string& name, const Shape& shape) const {
  auto it = made_up_.find(name);
  if (it == made_up_.end()) it = made_up_.emplace(name, synthetic_tensor(name, shape, seed_)).first;
  if (it->second.shape() != shape)
    fail(path_, "tensor '" + name + "' requested as " + shape.str() + " and as " + it->second.shape().str());
  return it->second;
}

void WeightStore::release_file_pages() const {
  if (file_) file_->release_pages();
}

bool WeightStore::has_transform(const std::string& t) const {
  return std::find(weights_.transforms.begin(), weights_.transforms.end(), t) != weights_.transforms.end();
}

const std::string& WeightStore::config_string(const std::string& key) const {
  const auto it = weights_.config.find(key);
  if (it == weights_.config.end()) fail(path_, "missing config '" + key + "'");
  return it->second;
}

int64_t WeightStore::config_int(const std::string& key) const {
  const std::vector<int64_t> v = config_ints(key);
  if (v.size() != 1) fail(path_, "config '" + key + "' = '" + config_string(key) + "' is not a single integer");
  return v[0];
}

std::vector<int64_t> WeightStore::config_ints(const std::string& key) const {
  const std::string& s = config_string(key);
  std::vector<int64_t> out;
  size_t pos = 0;
  while (pos <= s.size()) {
    const size_t comma = std::min(s.find(',', pos), s.size());
    const std::string item = s.substr(pos, comma - pos);
    size_t used = 0;
    int64_t v = 0;
    try {
      v = std::stoll(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (item.empty() || used != item.size()) fail(path_, "config '" + key + "' = '" + s + "' is not a list of integers");
    out.push_back(v);
    pos = comma + 1;
  }
  return out;
}

const NamedTensor& WeightStore::entry(const std::string& name) const {
  const auto it = index_.find(name);
  if (it == index_.end()) fail(path_, "missing tensor '" + name + "'");
  return weights_.tensors[it->second];
}

const Tensor& WeightStore::get(const std::string& name) const { return entry(name).value; }

const Tensor& WeightStore::get(const std::string& name, const Shape& expected) const {
  if (synthetic_ && !contains(name)) return made_up(name, expected);
  const Tensor& t = entry(name).value;
  if (t.shape() != expected)
    fail(path_, "tensor '" + name + "' has shape " + t.shape().str() + ", expected " + expected.str());
  return t;
}

SourceDType WeightStore::source_dtype(const std::string& name) const { return entry(name).source; }

std::vector<std::string> WeightStore::names() const {
  std::vector<std::string> out;
  out.reserve(weights_.tensors.size());
  for (const NamedTensor& t : weights_.tensors) out.push_back(t.name);
  return out;
}

}  // namespace lsam
