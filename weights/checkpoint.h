// Finds the named tensors in an unpickled checkpoint, for each way the supported models are released:
//  - a bare state_dict (mobile_sam.pt, sam_vit_*.pth);
//  - a dict holding one under 'model' or 'state_dict' (EfficientSAM);
//  - an Ultralytics checkpoint (FastSAM, MobileSAMv2's ObjectAwareModel): a dict whose 'ema' or 'model'
//    is a pickled nn.Module tree, or such a tree at the top level. The tree is walked through each
//    module's _parameters, _buffers and _modules exactly as Module.state_dict() would name things.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "weights/named_weights.h"
#include "weights/torch_file.h"

namespace lsam {

struct Checkpoint {
  std::vector<NamedTensor> tensors;
  // eps of each BatchNorm pickled as a module, by module path ("model.0.bn"); empty for plain state dicts.
  std::map<std::string, double> batchnorm_eps;
  // Facts from the pickled model object worth keeping as configuration (Ultralytics: "stride").
  Config attributes;
};

Checkpoint read_checkpoint(const TorchFile& file);

}  // namespace lsam
