// The one error type of the weights layer. Every message reads "FILE: problem" so that a tool can print it
// as is; nothing in this layer reports a malformed input any other way (no asserts, no crashes).
#pragma once

#include <stdexcept>
#include <string>

namespace lsam {

class WeightsError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// `where` names the input: a path, or a path and the part of it being read ("x.pt: archive/data.pkl").
[[noreturn]] inline void fail(const std::string& where, const std::string& problem) {
  throw WeightsError(where + ": " + problem);
}

}  // namespace lsam
