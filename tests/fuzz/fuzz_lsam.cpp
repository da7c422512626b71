// libFuzzer target: the .lsam loader. Fuzzing builds do not enforce checksums (weights/crc32.h), so the
// mutations reach the header and tensor table checks. Every tensor is read once, which puts any view that
// escapes the file under AddressSanitizer's eyes.
#include <cstddef>
#include <cstdint>

#include "weights/error.h"
#include "weights/file_bytes.h"
#include "weights/lsam_format.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const lsam::Weights w = lsam::read_lsam(lsam::FileBytes::copy_of("fuzz.lsam", data, size), true);
    float sum = 0;
    for (const lsam::NamedTensor& t : w.tensors)
      for (int64_t i = 0; i < t.value.numel(); ++i) sum += t.value.data<float>()[i];
    volatile float sink = sum;
    (void)sink;
  } catch (const lsam::WeightsError&) {
  }
  return 0;
}
