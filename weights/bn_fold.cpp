#include "weights/bn_fold.h"

#include <cmath>
#include <unordered_map>
#include <unordered_set>

#include "weights/error.h"

namespace lsam {
namespace {

struct Fold {
  Tensor weight, bias;
  std::string bias_name;
  bool had_bias = false;
};

}  // namespace

int fold_batchnorms(std::vector<NamedTensor>& tensors, const std::map<std::string, double>& eps, double default_eps,
                    const std::string& where) {
  std::unordered_map<std::string, const NamedTensor*> by_name;
  for (const NamedTensor& t : tensors) by_name.emplace(t.name, &t);
  const auto find = [&](const std::string& n) -> const NamedTensor* {
    const auto it = by_name.find(n);
    return it == by_name.end() ? nullptr : it->second;
  };

  std::unordered_map<std::string, Fold> folds;  // by conv weight name
  std::unordered_set<std::string> dropped;
  const std::string suffix = "bn.running_var";
  for (const NamedTensor& t : tensors) {
    if (t.name.size() < suffix.size() || t.name.compare(t.name.size() - suffix.size(), suffix.size(), suffix) != 0) continue;
    const std::string module = t.name.substr(0, t.name.size() - suffix.size());  // "P." or ""
    if (!module.empty() && module.back() != '.') continue;  // e.g. "xbn.running_var"
    const std::string bn = module + "bn.";
    std::string conv = module + "c.";
    if (!find(conv + "weight")) conv = module + "conv.";
    const NamedTensor* w = find(conv + "weight");
    const NamedTensor* mean = find(bn + "running_mean");
    if (!w || !mean) continue;
    const NamedTensor* gamma = find(bn + "weight");
    const NamedTensor* beta = find(bn + "bias");
    const NamedTensor* b = find(conv + "bias");

    const int64_t channels = t.value.numel();
    const auto check = [&](const NamedTensor* v) {
      if (v && (v->value.rank() != 1 || v->value.dim(0) != channels))
        fail(where, "cannot fold '" + v->name + "' " + v->value.shape().str() + " into '" + w->name + "' " +
                        w->value.shape().str() + ": " + std::to_string(channels) + " channels expected");
    };
    for (const NamedTensor* v : {&t, mean, gamma, beta, b}) check(v);
    if (w->value.rank() < 1 || w->value.dim(0) != channels)
      fail(where, "cannot fold '" + bn + "*' (" + std::to_string(channels) + " channels) into '" + w->name + "' " +
                      w->value.shape().str());

    const auto e = eps.find(module + "bn");
    const double epsilon = e != eps.end() ? e->second : default_eps;
    Fold f;
    f.weight = heap_f32(w->value.shape());
    f.bias = heap_f32({channels});
    f.bias_name = conv + "bias";
    f.had_bias = b != nullptr;
    const int64_t per_channel = channels ? w->value.numel() / channels : 0;
    const float* src = w->value.data<float>();
    float* dst_w = f.weight.data<float>();
    float* dst_b = f.bias.data<float>();
    for (int64_t o = 0; o < channels; ++o) {
      const double var = t.value.data<float>()[o];
      if (!(var + epsilon > 0)) fail(where, "'" + t.name + "' + eps is not positive at channel " + std::to_string(o));
      const double g = gamma ? gamma->value.data<float>()[o] : 1.0;
      const double scale = g / std::sqrt(var + epsilon);
      for (int64_t k = 0; k < per_channel; ++k)
        dst_w[o * per_channel + k] = static_cast<float>(static_cast<double>(src[o * per_channel + k]) * scale);
      const double bias = b ? b->value.data<float>()[o] : 0.0;
      const double shift = beta ? beta->value.data<float>()[o] : 0.0;
      dst_b[o] = static_cast<float>((bias - static_cast<double>(mean->value.data<float>()[o])) * scale + shift);
    }
    folds.emplace(w->name, std::move(f));
    for (const char* n : {"weight", "bias", "running_mean", "running_var", "num_batches_tracked"}) dropped.insert(bn + n);
  }
  if (folds.empty()) return 0;

  std::unordered_set<std::string> replaced_biases;
  for (const auto& [name, f] : folds)
    if (f.had_bias) replaced_biases.insert(f.bias_name);
  std::vector<NamedTensor> out;
  out.reserve(tensors.size());
  for (NamedTensor& t : tensors) {
    if (dropped.count(t.name) || replaced_biases.count(t.name)) continue;
    const auto it = folds.find(t.name);
    if (it == folds.end()) {
      out.push_back(std::move(t));
      continue;
    }
    // The folded bias follows its weight, where Conv2d(bias=True) would have put it.
    const SourceDType source = t.source;
    out.push_back({t.name, it->second.weight, source});
    out.push_back({it->second.bias_name, it->second.bias, source});
  }
  tensors = std::move(out);
  return static_cast<int>(folds.size());
}

}  // namespace lsam
