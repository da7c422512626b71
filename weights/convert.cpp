#include "weights/convert.h"

#include "weights/bn_fold.h"
#include "weights/checkpoint.h"
#include "weights/family.h"
#include "weights/torch_file.h"

namespace lsam {

Weights convert_torch(std::shared_ptr<const FileBytes> file, const ConvertOptions& options) {
  const std::unique_ptr<TorchFile> torch = TorchFile::open(std::move(file));
  Checkpoint ckpt = read_checkpoint(*torch);
  const std::string& where = torch->name();

  Weights w;
  w.source_format = torch->format();
  // Family and configuration are read from the tensors as released, before folding renames any.
  w.family = options.family.empty() ? detect_family(ckpt.tensors, where) : options.family;
  w.config = family_config(w.family, ckpt.tensors, where);
  w.config.insert(ckpt.attributes.begin(), ckpt.attributes.end());
  if (fold_batchnorms(ckpt.tensors, ckpt.batchnorm_eps, default_batchnorm_eps(w.family), where) > 0)
    w.transforms.push_back("bn_folded");
  w.tensors = std::move(ckpt.tensors);
  return w;
}

}  // namespace lsam
