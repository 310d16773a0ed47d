// Reading one object of a versioned JSON file (perf.json, accuracy.json) with typed access and
// errors that name the file and the field ("perf.json: layers[3].time_us.median: expected a
// number, got a string"), on the DOM of util/json.h. Shared by the readers so every file's errors
// read alike.
#pragma once
#include <climits>
#include <cmath>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "ir/error.h"
#include "layerscope/printable.h"
#include "util/json.h"

namespace layerscope {

inline const char* json_type_name(const JsonValue& v) {
  switch (v.type()) {
    case JsonValue::Type::Null: return "null";
    case JsonValue::Type::Bool: return "a boolean";
    case JsonValue::Type::Number: return "a number";
    case JsonValue::Type::String: return "a string";
    case JsonValue::Type::Array: return "an array";
    case JsonValue::Type::Object: return "an object";
  }
  return "?";
}

// One JSON object being read, with its path for error messages.
class JsonObjectReader {
 public:
  JsonObjectReader(const JsonValue& v, std::string path, const std::string& source)
      : v_(v), path_(std::move(path)), source_(source) {
    if (!v.is_object())
      fail(source_, ": ", path_.empty() ? "the document" : path_, ": expected an object, got ", json_type_name(v));
  }

  std::string at(const char* key) const { return path_.empty() ? key : path_ + "." + key; }
  [[noreturn]] void wrong(const char* key, const char* expected, const JsonValue& got) const {
    fail(source_, ": ", at(key), ": expected ", expected, ", got ", json_type_name(got));
  }
  [[noreturn]] void invalid(const char* key, const std::string& expected, const std::string& got) const {
    fail(source_, ": ", at(key), ": expected ", expected, ", got ", got);
  }
  const JsonValue* opt(const char* key) const { return v_.find(key); }
  const JsonValue& req(const char* key) const {
    const JsonValue* m = v_.find(key);
    if (!m) fail(source_, ": ", at(key), ": missing (required field)");
    return *m;
  }

  // Numbers: null stands for "unknown" (roofline cycles) or a non-finite value; read as 0.
  double number(const char* key, double dflt = 0) const {
    const JsonValue* m = opt(key);
    if (!m || m->is_null()) return dflt;
    if (!m->is_number()) wrong(key, "a number", *m);
    return m->as_number();
  }
  int64_t integer(const char* key, int64_t dflt = 0) const {
    const JsonValue* m = opt(key);
    if (!m) return dflt;
    int64_t v = 0;
    if (!m->as_int64(&v)) wrong(key, "an integer", *m);
    return v;
  }
  // Out-of-range values are errors, not truncations (threads = 22147483648 used to wrap to
  // 1.3 billion threads, and the text report then printed a header entry per thread).
  int int32(const char* key, int dflt = 0, int64_t lo = INT32_MIN, int64_t hi = INT32_MAX) const {
    const int64_t v = integer(key, dflt);
    if (v < lo || v > hi) fail(source_, ": ", at(key), ": expected an integer from ", lo, " to ", hi, ", got ", v);
    return static_cast<int>(v);
  }
  std::string string(const char* key, bool allow_null = false) const {
    const JsonValue* m = opt(key);
    if (!m || (allow_null && m->is_null())) return "";
    if (!m->is_string()) wrong(key, "a string", *m);
    return printable(m->as_string());  // names and paths end up on terminals and in reports
  }
  bool boolean(const char* key) const {
    const JsonValue* m = opt(key);
    if (!m) return false;
    if (!m->is_bool()) wrong(key, "true or false", *m);
    return m->as_bool();
  }
  const std::vector<JsonValue>& array(const char* key, bool required = false) const {
    static const std::vector<JsonValue> kEmpty;
    const JsonValue* m = required ? &req(key) : opt(key);
    if (!m) return kEmpty;
    if (!m->is_array()) wrong(key, "an array", *m);
    return m->as_array();
  }
  JsonObjectReader child(const char* key) const { return JsonObjectReader(req(key), at(key), source_); }
  bool has(const char* key) const { return opt(key) != nullptr; }

  template <typename T, typename F>
  std::vector<T> list(const char* key, const char* expected, F convert) const {
    std::vector<T> out;
    const auto& items = array(key);
    for (size_t i = 0; i < items.size(); ++i) {
      T v;
      if (!convert(items[i], &v))
        fail(source_, ": ", at(key), "[", i, "]: expected ", expected, ", got ", json_type_name(items[i]));
      out.push_back(v);
    }
    return out;
  }
  std::vector<double> numbers(const char* key) const {
    return list<double>(key, "a number", [](const JsonValue& v, double* out) {
      *out = v.is_null() ? NAN : v.as_number();
      return v.is_number() || v.is_null();
    });
  }
  std::vector<std::string> strings(const char* key) const {
    return list<std::string>(key, "a string", [](const JsonValue& v, std::string* out) {
      *out = v.is_string() ? printable(v.as_string()) : "";
      return v.is_string();
    });
  }
  std::vector<int64_t> integers(const JsonValue& arr, const std::string& where) const {
    std::vector<int64_t> out;
    if (!arr.is_array()) fail(source_, ": ", where, ": expected an array of integers, got ", json_type_name(arr));
    for (const JsonValue& v : arr.as_array()) {
      int64_t d = 0;
      if (!v.as_int64(&d)) fail(source_, ": ", where, ": expected integers, got ", json_type_name(v));
      out.push_back(d);
    }
    return out;
  }
  std::vector<std::vector<int64_t>> shapes(const char* key) const {
    std::vector<std::vector<int64_t>> out;
    const auto& items = array(key);
    for (size_t i = 0; i < items.size(); ++i)
      out.push_back(integers(items[i], at(key) + "[" + std::to_string(i) + "]"));
    return out;
  }
  JsonObjectReader element(const JsonValue& v, const char* key, size_t i) const {
    return JsonObjectReader(v, at(key) + "[" + std::to_string(i) + "]", source_);
  }

 private:
  const JsonValue& v_;
  std::string path_;
  const std::string& source_;
};

}  // namespace layerscope
