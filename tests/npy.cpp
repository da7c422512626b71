#include "tests/npy.h"

#include <cstring>
#include <fstream>
#include <iterator>
#include <stdexcept>

namespace lsam::test {
namespace {

struct Descr {
  const char* text;
  DType dtype;
};
constexpr Descr kDescrs[] = {{"<f4", DType::f32}, {"<f2", DType::f16}, {"|u1", DType::u8}, {"|b1", DType::u8},
                             {"|i1", DType::s8},  {"<i4", DType::s32}, {"<i8", DType::s64}};

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw std::runtime_error(path + ": " + what);
}

// The value of `key` in the header's Python dict literal, e.g. "'<f4'", "False", "(3, 4)".
std::string dict_value(const std::string& header, const std::string& key, const std::string& path) {
  const size_t k = header.find("'" + key + "'");
  if (k == std::string::npos) fail(path, "header has no '" + key + "'");
  size_t b = header.find(':', k);
  if (b == std::string::npos) fail(path, "malformed header");
  b = header.find_first_not_of(' ', b + 1);
  if (b == std::string::npos) fail(path, "malformed header");
  const size_t e = header[b] == '(' ? header.find(')', b) : header.find_first_of(",}", b);
  if (e == std::string::npos || e <= b) fail(path, "malformed header");
  return header.substr(b, e - b + (header[b] == '(' ? 1 : 0));
}

}  // namespace

int64_t NpyArray::numel() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

NpyArray read_npy(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) fail(path, "cannot open");
  const std::string file((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  if (file.size() < 10 || file.compare(0, 6, "\x93NUMPY") != 0) fail(path, "not a .npy file");
  const int major = static_cast<uint8_t>(file[6]);
  if (major < 1 || major > 3) fail(path, "unsupported .npy version " + std::to_string(major));
  const size_t len_bytes = major == 1 ? 2 : 4, start = 8 + len_bytes;
  size_t header_len = 0;
  for (size_t i = 0; i < len_bytes; ++i)
    header_len |= static_cast<size_t>(static_cast<uint8_t>(file[8 + i])) << (8 * i);
  if (file.size() < start + header_len) fail(path, "truncated header");
  const std::string header = file.substr(start, header_len);

  NpyArray a;
  const std::string descr = dict_value(header, "descr", path);
  const Descr* d = nullptr;
  for (const Descr& c : kDescrs)
    if (descr == std::string("'") + c.text + "'") d = &c;
  if (!d) fail(path, "unsupported dtype " + descr);
  a.dtype = d->dtype;
  if (dict_value(header, "fortran_order", path) != "False") fail(path, "Fortran order is not supported");
  const std::string shape = dict_value(header, "shape", path);
  for (size_t i = 1; i < shape.size();) {
    size_t used = 0;
    if (shape[i] >= '0' && shape[i] <= '9') {
      a.shape.push_back(std::stoll(shape.substr(i), &used));
      i += used;
    } else {
      ++i;
    }
  }
  const size_t bytes = static_cast<size_t>(a.numel()) * dtype_size(a.dtype);
  if (file.size() - start - header_len != bytes)
    fail(path, "expected " + std::to_string(bytes) + " data bytes, found " +
                   std::to_string(file.size() - start - header_len));
  a.bytes.assign(file.begin() + static_cast<std::ptrdiff_t>(start + header_len), file.end());
  return a;
}

void write_npy(const std::string& path, DType dtype, const std::vector<int64_t>& shape, const void* data) {
  const char* descr = nullptr;
  for (const Descr& c : kDescrs)
    if (c.dtype == dtype && !descr) descr = c.text;
  std::string dims;
  int64_t n = 1;
  for (int64_t d : shape) {
    dims += std::to_string(d) + ", ";
    n *= d;
  }
  if (shape.size() > 1) dims.resize(dims.size() - 1);  // "(3, 4)" but "(3,)"
  std::string header = "{'descr': '" + std::string(descr) + "', 'fortran_order': False, 'shape': (" + dims + "), }";
  header.append(63 - (10 + header.size()) % 64, ' ');  // data starts 64-byte aligned, as NumPy writes it
  header += '\n';
  std::ofstream f(path, std::ios::binary);
  if (!f) fail(path, "cannot create");
  const uint8_t preamble[10] = {0x93,
                                'N',
                                'U',
                                'M',
                                'P',
                                'Y',
                                1,
                                0,
                                static_cast<uint8_t>(header.size()),
                                static_cast<uint8_t>(header.size() >> 8)};
  f.write(reinterpret_cast<const char*>(preamble), sizeof(preamble));
  f << header;
  f.write(static_cast<const char*>(data), static_cast<std::streamsize>(static_cast<size_t>(n) * dtype_size(dtype)));
  if (!f) fail(path, "write failed");
}

Tensor read_npy_tensor(const std::string& path) {
  const NpyArray a = read_npy(path);
  if (a.shape.size() > static_cast<size_t>(Shape::kMaxRank))
    fail(path, "rank above " + std::to_string(Shape::kMaxRank));
  const std::vector<int64_t> dims = a.shape.empty() ? std::vector<int64_t>{1} : a.shape;
  Tensor t = Tensor::empty(Shape::of(dims.data(), static_cast<int>(dims.size())), a.dtype);
  std::memcpy(t.raw(), a.bytes.data(), a.bytes.size());
  return t;
}

void write_npy(const std::string& path, const Tensor& t) {
  const Tensor c = t.contiguous();
  write_npy(path, c.dtype(), std::vector<int64_t>(c.shape().dims.begin(), c.shape().dims.begin() + c.rank()), c.raw());
}

}  // namespace lsam::test
