// libFuzzer target: the .lsam loader, with and without the data checksum (the fuzzer cannot forge CRCs, so
// the unverified path is the one that exercises the table checks). Every tensor is read once.
#include <cstddef>
#include <cstdint>

#include "weights/error.h"
#include "weights/file_bytes.h"
#include "weights/lsam_format.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto file = lsam::FileBytes::copy_of("fuzz.lsam", data, size);
  for (bool verify : {true, false}) {
    try {
      const lsam::Weights w = lsam::read_lsam(file, verify);
      float sum = 0;
      for (const lsam::NamedTensor& t : w.tensors)
        for (int64_t i = 0; i < t.value.numel(); ++i) sum += t.value.data<float>()[i];
      volatile float sink = sum;
      (void)sink;
    } catch (const lsam::WeightsError&) {
    }
  }
  return 0;
}
