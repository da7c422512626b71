// libFuzzer target: the whole .pt path (zip or legacy container, inflate, pickle, tensor views, state dict
// walk, family rules, BatchNorm folding). Malformed input must end in a WeightsError, nothing else.
#include <cstddef>
#include <cstdint>

#include "weights/convert.h"
#include "weights/error.h"
#include "weights/file_bytes.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    lsam::convert_torch(lsam::FileBytes::copy_of("fuzz.pt", data, size));
  } catch (const lsam::WeightsError&) {
  }
  return 0;
}
