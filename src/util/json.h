// Minimal JSON support without dependencies, for every layer (the machine cache, the report
// writers and readers, compare): a streaming writer and a small DOM reader.
//
//   JsonWriter w;                       // pretty-printed, 2-space indent
//   w.begin_object();
//   w.field("name", "conv1").field("macs", int64_t{118013952});
//   w.key("shape").begin_array().value(1).value(64).end_array();
//   w.end_object();
//   std::string text = w.str();
//
//   JsonValue doc;
//   std::string err;
//   if (!parse_json(text, &doc, &err)) ...;
//   const JsonValue* macs = doc.find("macs");
//
// Numbers: doubles are written in the shortest form that reads back to the identical value
// (std::to_chars), so a write/parse round trip is exact; NaN and +-inf have no JSON form and
// are written as null. Strings are UTF-8; '"', '\\' and control characters are escaped.
#pragma once
#include <concepts>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace layerscope {

// `s` as a quoted JSON string literal.
std::string json_quote(std::string_view s);
// `v` as a JSON number token (shortest exact round trip); "null" for NaN/inf.
std::string json_number(double v);

class JsonWriter {
 public:
  // indent = spaces per nesting level; 0 writes everything on one line.
  explicit JsonWriter(int indent = 2) : indent_(indent) {}

  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  // The next value is the member `name` of the enclosing object.
  JsonWriter& key(std::string_view name);

  JsonWriter& value(std::string_view s);
  JsonWriter& value(const char* s) { return s ? value(std::string_view(s)) : null(); }
  JsonWriter& value(const std::string& s) { return value(std::string_view(s)); }
  JsonWriter& value(bool b);
  JsonWriter& value(double v);
  template <std::integral T>
  requires(!std::same_as<T, bool>) JsonWriter& value(T v) {
    if constexpr (std::is_signed_v<T>) return raw(std::to_string(static_cast<long long>(v)));
    else return raw(std::to_string(static_cast<unsigned long long>(v)));
  }
  JsonWriter& null();

  // key(name).value(v)
  template <typename T>
  JsonWriter& field(std::string_view name, const T& v) {
    key(name);
    return value(v);
  }

  // The document so far; throws layerscope::Error when objects/arrays are still open.
  const std::string& str() const;

 private:
  JsonWriter& raw(std::string_view token);  // writes one complete value token
  void before_value();
  void newline();

  struct Level {
    bool is_object;
    bool empty = true;
  };
  int indent_;
  std::string out_;
  std::vector<Level> stack_;
  bool key_pending_ = false;
  bool done_ = false;  // a complete top-level value has been written
};

// A parsed JSON document node.
class JsonValue {
 public:
  enum class Type { Null, Bool, Number, String, Array, Object };
  using Members = std::vector<std::pair<std::string, JsonValue>>;

  JsonValue() = default;
  static JsonValue make_bool(bool b);
  static JsonValue make_number(double v, std::string token);
  static JsonValue make_string(std::string s);
  static JsonValue make_array(std::vector<JsonValue> items);
  static JsonValue make_object(Members members);

  Type type() const { return type_; }
  bool is_null() const { return type_ == Type::Null; }
  bool is_bool() const { return type_ == Type::Bool; }
  bool is_number() const { return type_ == Type::Number; }
  bool is_string() const { return type_ == Type::String; }
  bool is_array() const { return type_ == Type::Array; }
  bool is_object() const { return type_ == Type::Object; }

  // Accessors return a neutral value (false, 0, empty) on a type mismatch.
  bool as_bool() const { return type_ == Type::Bool && bool_; }
  double as_number() const { return type_ == Type::Number ? number_ : 0.0; }
  // Exact integer value when the number token is an integer that fits in int64.
  bool as_int64(int64_t* out) const;
  const std::string& as_string() const { return string_; }
  const std::vector<JsonValue>& as_array() const { return array_; }
  const Members& as_object() const { return object_; }
  // Member `key` of an object (first match), or nullptr.
  const JsonValue* find(std::string_view key) const;

 private:
  Type type_ = Type::Null;
  bool bool_ = false;
  double number_ = 0;
  std::string string_;  // string value, or the number's source token
  std::vector<JsonValue> array_;
  Members object_;
};

// Parses one complete JSON document (RFC 8259; nesting depth limited to 512). On failure
// returns false and sets *error (when non-null) to a message with the byte offset.
bool parse_json(std::string_view text, JsonValue* out, std::string* error = nullptr);

}  // namespace layerscope
