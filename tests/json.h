// A small JSON reader for test manifests (cases.json written by tools/reference). Test-only code.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace lsam::test {

class Json {
 public:
  enum class Kind { null, boolean, number, string, array, object };

  static Json parse(const std::string& text);  // throws std::runtime_error with the offset
  static Json parse_file(const std::string& path);

  Kind kind() const { return kind_; }
  bool has(const std::string& key) const;
  const Json& operator[](const std::string& key) const;  // throws if missing
  const Json& operator[](size_t i) const;
  size_t size() const;
  double number() const;
  bool boolean() const;
  const std::string& str() const;
  bool is_null() const { return kind_ == Kind::null; }

 private:
  friend class JsonParser;
  Kind kind_ = Kind::null;
  double number_ = 0;
  bool bool_ = false;
  std::string string_;
  std::vector<Json> items_;
  std::map<std::string, Json> fields_;
};

}  // namespace lsam::test
