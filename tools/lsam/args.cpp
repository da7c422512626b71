#include "tools/lsam/args.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

namespace lsam::cli {

Args::Args(int argc, char** argv, const std::vector<std::string>& with_value, const std::vector<std::string>& switches,
           const std::vector<std::string>& optional_value) {
  auto in = [](const std::vector<std::string>& v, const std::string& s) { return std::find(v.begin(), v.end(), s) != v.end(); };
  for (int i = 0; i < argc; ++i) {
    const std::string a = argv[i];
    if (a.size() < 2 || a[0] != '-') {
      positionals_.push_back(a);
    } else if (in(with_value, a)) {
      if (i + 1 >= argc) throw std::invalid_argument(a + " needs a value");
      values_[a].push_back(argv[++i]);
    } else if (in(optional_value, a)) {
      const bool next_is_value = i + 1 < argc && argv[i + 1][0] != '-';
      values_[a].push_back(next_is_value ? argv[++i] : "");
    } else if (in(switches, a)) {
      values_[a].push_back("");
    } else {
      throw std::invalid_argument("unknown option " + a);
    }
  }
}

std::optional<std::string> Args::get(const std::string& flag) const {
  auto it = values_.find(flag);
  if (it == values_.end()) return std::nullopt;
  return it->second.back();
}

std::string Args::require(const std::string& flag) const {
  auto v = get(flag);
  if (!v) throw std::invalid_argument("missing required option " + flag);
  return *v;
}

const std::vector<std::string>& Args::all(const std::string& flag) const {
  static const std::vector<std::string> none;
  auto it = values_.find(flag);
  return it == values_.end() ? none : it->second;
}

std::vector<double> parse_numbers(const std::string& text, size_t min_count, size_t max_count, const char* what) {
  std::vector<double> out;
  size_t pos = 0;
  while (pos <= text.size()) {
    const size_t comma = std::min(text.find(',', pos), text.size());
    const std::string item = text.substr(pos, comma - pos);
    char* end = nullptr;
    const double v = std::strtod(item.c_str(), &end);
    if (item.empty() || *end || !std::isfinite(v))
      throw std::invalid_argument(std::string(what) + " '" + text + "': '" + item + "' is not a number");
    out.push_back(v);
    pos = comma + 1;
  }
  if (out.size() < min_count || out.size() > max_count)
    throw std::invalid_argument(std::string(what) + " '" + text + "': expected " + std::to_string(min_count) +
                                (min_count == max_count ? "" : "-" + std::to_string(max_count)) + " comma-separated numbers");
  return out;
}

}  // namespace lsam::cli
