// Loads a MobileSAM from a .pt or .lsam file (or builds the demo's random one) for the CLI subcommands.
#pragma once

#include <memory>
#include <string>

#include "graph/sam_predictor.h"

namespace lsam::cli {

struct LoadedModel {
  std::shared_ptr<const graph::MobileSam> model;
  double load_ms = 0;
};

// Throws "PATH: ..." naming the family found when the file holds another model.
LoadedModel load_mobile_sam(const std::string& path);

// A MobileSAM with deterministic random weights, for the demo when no checkpoint is given.
LoadedModel random_mobile_sam(uint64_t seed);

}  // namespace lsam::cli
