#include "tests/json.h"

#include <cctype>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace lsam::test {

class JsonParser {
 public:
  explicit JsonParser(const std::string& t) : t_(t) {}

  Json value() {
    skip();
    if (pos_ >= t_.size()) fail("unexpected end");
    Json j;
    const char c = t_[pos_];
    if (c == '{') {
      j.kind_ = Json::Kind::object;
      ++pos_;
      skip();
      if (peek('}')) return ++pos_, j;
      do {
        skip();
        std::string key = string();
        skip();
        expect(':');
        j.fields_[key] = value();
        skip();
      } while (accept(','));
      expect('}');
    } else if (c == '[') {
      j.kind_ = Json::Kind::array;
      ++pos_;
      skip();
      if (peek(']')) return ++pos_, j;
      do j.items_.push_back(value()), skip();
      while (accept(','));
      expect(']');
    } else if (c == '"') {
      j.kind_ = Json::Kind::string;
      j.string_ = string();
    } else if (t_.compare(pos_, 4, "true") == 0) {
      j.kind_ = Json::Kind::boolean, j.bool_ = true, pos_ += 4;
    } else if (t_.compare(pos_, 5, "false") == 0) {
      j.kind_ = Json::Kind::boolean, pos_ += 5;
    } else if (t_.compare(pos_, 4, "null") == 0) {
      pos_ += 4;
    } else {
      char* end = nullptr;
      j.kind_ = Json::Kind::number;
      j.number_ = std::strtod(t_.c_str() + pos_, &end);
      if (end == t_.c_str() + pos_) fail("bad value");
      pos_ = static_cast<size_t>(end - t_.c_str());
    }
    return j;
  }

  void finish() {
    skip();
    if (pos_ != t_.size()) fail("trailing characters");
  }

 private:
  [[noreturn]] void fail(const char* why) { throw std::runtime_error("json: " + std::string(why) + " at offset " + std::to_string(pos_)); }
  void skip() {
    while (pos_ < t_.size() && std::isspace(static_cast<unsigned char>(t_[pos_]))) ++pos_;
  }
  bool peek(char c) const { return pos_ < t_.size() && t_[pos_] == c; }
  bool accept(char c) {
    if (!peek(c)) return false;
    ++pos_;
    return true;
  }
  void expect(char c) {
    if (!accept(c)) fail("unexpected character");
  }
  std::string string() {
    expect('"');
    std::string s;
    while (pos_ < t_.size() && t_[pos_] != '"') {
      char c = t_[pos_++];
      if (c == '\\') {
        if (pos_ >= t_.size()) fail("bad escape");
        c = t_[pos_++];
        if (c == 'n') c = '\n';
        else if (c == 't') c = '\t';
        else if (c == 'u') fail("\\u escapes are not supported");
      }
      s += c;
    }
    expect('"');
    return s;
  }
  const std::string& t_;
  size_t pos_ = 0;
};

Json Json::parse(const std::string& text) {
  JsonParser p(text);
  Json j = p.value();
  p.finish();
  return j;
}

Json Json::parse_file(const std::string& path) {
  std::ifstream f(path);
  if (!f) throw std::runtime_error(path + ": cannot open");
  std::stringstream ss;
  ss << f.rdbuf();
  return parse(ss.str());
}

bool Json::has(const std::string& key) const { return kind_ == Kind::object && fields_.count(key); }

const Json& Json::operator[](const std::string& key) const {
  auto it = fields_.find(key);
  if (kind_ != Kind::object || it == fields_.end()) throw std::runtime_error("json: missing key '" + key + "'");
  return it->second;
}

const Json& Json::operator[](size_t i) const {
  if (kind_ != Kind::array || i >= items_.size()) throw std::runtime_error("json: index out of range");
  return items_[i];
}

size_t Json::size() const { return kind_ == Kind::array ? items_.size() : fields_.size(); }

double Json::number() const {
  if (kind_ != Kind::number) throw std::runtime_error("json: not a number");
  return number_;
}

bool Json::boolean() const {
  if (kind_ != Kind::boolean) throw std::runtime_error("json: not a boolean");
  return bool_;
}

const std::string& Json::str() const {
  if (kind_ != Kind::string) throw std::runtime_error("json: not a string");
  return string_;
}

}  // namespace lsam::test
