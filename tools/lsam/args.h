// Minimal command-line parsing for the subcommands: flags with values, repeated flags, positionals.
#pragma once

#include <array>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace lsam::cli {

class Args {
 public:
  // `with_value`: flags that take a value; `optional_value`: flags whose value may be omitted (then "").
  Args(int argc, char** argv, const std::vector<std::string>& with_value, const std::vector<std::string>& switches,
       const std::vector<std::string>& optional_value = {});

  bool has(const std::string& flag) const { return values_.count(flag) > 0; }
  std::optional<std::string> get(const std::string& flag) const;
  std::string require(const std::string& flag) const;
  const std::vector<std::string>& all(const std::string& flag) const;
  const std::vector<std::string>& positionals() const { return positionals_; }

 private:
  std::map<std::string, std::vector<std::string>> values_;
  std::vector<std::string> positionals_;
};

// "1.5,2,3" -> numbers; throws naming `what` when the count or a number is wrong.
std::vector<double> parse_numbers(const std::string& text, size_t min_count, size_t max_count, const char* what);

}  // namespace lsam::cli
