// The .lsam file: one converted model, ready to map and use without parsing or copying. Layout and rules
// are in weights/FORMAT.md. Only little-endian hosts are supported (as for every other part of lsam).
#pragma once

#include <memory>
#include <string>

#include "weights/file_bytes.h"
#include "weights/named_weights.h"

namespace lsam {

constexpr uint32_t kLsamVersion = 1;

bool looks_like_lsam(const FileBytes& file);

// Writes atomically: to PATH.tmp, then renamed over PATH. Tensors must be contiguous f32.
void write_lsam(const Weights& weights, const std::string& path);

// Tensors are views of the file's bytes (Tensor::borrow, kept alive by `file`). The header checksum and
// every offset, size and shape are always checked; the data checksum only when `verify_data` is set,
// because it reads every byte of the file.
Weights read_lsam(std::shared_ptr<const FileBytes> file, bool verify_data);

}  // namespace lsam
