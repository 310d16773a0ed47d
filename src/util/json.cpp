#include "util/json.h"

#include <charconv>
#include <cmath>
#include <cstdio>

#include "ir/error.h"

namespace layerscope {

std::string json_quote(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  out += '"';
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
          out += buf;
        } else {
          out += c;  // UTF-8 bytes pass through unchanged
        }
    }
  }
  out += '"';
  return out;
}

std::string json_number(double v) {
  if (!std::isfinite(v)) return "null";
  char buf[32];
  // Shortest representation that parses back to exactly `v`.
  auto res = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, res.ptr);
}

// ---- writer ----

void JsonWriter::newline() {
  if (indent_ <= 0) return;
  out_ += '\n';
  out_.append(stack_.size() * static_cast<size_t>(indent_), ' ');
}

void JsonWriter::before_value() {
  LS_CHECK(!done_, "JsonWriter: a second top-level value was written");
  if (stack_.empty()) return;
  Level& top = stack_.back();
  if (top.is_object) {
    LS_CHECK(key_pending_, "JsonWriter: a value inside an object needs key() first");
    key_pending_ = false;
    return;  // separator and indentation were written by key()
  }
  if (!top.empty) out_ += ',';
  top.empty = false;
  newline();
}

JsonWriter& JsonWriter::key(std::string_view name) {
  LS_CHECK(!stack_.empty() && stack_.back().is_object && !key_pending_, "JsonWriter: key('", name,
           "') outside an object or after another key");
  Level& top = stack_.back();
  if (!top.empty) out_ += ',';
  top.empty = false;
  newline();
  out_ += json_quote(name);
  out_ += indent_ > 0 ? ": " : ":";
  key_pending_ = true;
  return *this;
}

JsonWriter& JsonWriter::raw(std::string_view token) {
  before_value();
  out_ += token;
  if (stack_.empty()) done_ = true;
  return *this;
}

JsonWriter& JsonWriter::begin_object() {
  before_value();
  out_ += '{';
  stack_.push_back({true});
  return *this;
}

JsonWriter& JsonWriter::begin_array() {
  before_value();
  out_ += '[';
  stack_.push_back({false});
  return *this;
}

JsonWriter& JsonWriter::end_object() {
  LS_CHECK(!stack_.empty() && stack_.back().is_object && !key_pending_,
           "JsonWriter: end_object() without a matching begin_object() or after a dangling key");
  bool empty = stack_.back().empty;
  stack_.pop_back();
  if (!empty) newline();
  out_ += '}';
  if (stack_.empty()) done_ = true;
  return *this;
}

JsonWriter& JsonWriter::end_array() {
  LS_CHECK(!stack_.empty() && !stack_.back().is_object, "JsonWriter: end_array() without a matching begin_array()");
  bool empty = stack_.back().empty;
  stack_.pop_back();
  if (!empty) newline();
  out_ += ']';
  if (stack_.empty()) done_ = true;
  return *this;
}

JsonWriter& JsonWriter::value(std::string_view s) { return raw(json_quote(s)); }
JsonWriter& JsonWriter::value(bool b) { return raw(b ? "true" : "false"); }
JsonWriter& JsonWriter::value(double v) { return raw(json_number(v)); }
JsonWriter& JsonWriter::null() { return raw("null"); }

const std::string& JsonWriter::str() const {
  LS_CHECK(stack_.empty() && !key_pending_, "JsonWriter: document incomplete (", stack_.size(),
           " open object/array levels)");
  return out_;
}

// ---- DOM ----

JsonValue JsonValue::make_bool(bool b) {
  JsonValue v;
  v.type_ = Type::Bool;
  v.bool_ = b;
  return v;
}
JsonValue JsonValue::make_number(double d, std::string token) {
  JsonValue v;
  v.type_ = Type::Number;
  v.number_ = d;
  v.string_ = std::move(token);
  return v;
}
JsonValue JsonValue::make_string(std::string s) {
  JsonValue v;
  v.type_ = Type::String;
  v.string_ = std::move(s);
  return v;
}
JsonValue JsonValue::make_array(std::vector<JsonValue> items) {
  JsonValue v;
  v.type_ = Type::Array;
  v.array_ = std::move(items);
  return v;
}
JsonValue JsonValue::make_object(Members members) {
  JsonValue v;
  v.type_ = Type::Object;
  v.object_ = std::move(members);
  return v;
}

bool JsonValue::as_int64(int64_t* out) const {
  if (type_ != Type::Number) return false;
  const char* b = string_.data();
  const char* e = b + string_.size();
  auto res = std::from_chars(b, e, *out);
  return res.ec == std::errc() && res.ptr == e;
}

const JsonValue* JsonValue::find(std::string_view key) const {
  if (type_ != Type::Object) return nullptr;
  for (const auto& [k, v] : object_)
    if (k == key) return &v;
  return nullptr;
}

// ---- parser ----

namespace {

class Parser {
 public:
  explicit Parser(std::string_view t) : t_(t) {}

  bool document(JsonValue* out) {
    skip_ws();
    if (!value(out, 0)) return false;
    skip_ws();
    if (i_ != t_.size()) return err("unexpected trailing characters");
    return true;
  }
  std::string error() const { return error_ + " at byte " + std::to_string(i_); }

 private:
  static constexpr int kMaxDepth = 512;

  bool err(const char* msg) {
    if (error_.empty()) error_ = msg;
    return false;
  }
  void skip_ws() {
    while (i_ < t_.size() && (t_[i_] == ' ' || t_[i_] == '\t' || t_[i_] == '\n' || t_[i_] == '\r')) ++i_;
  }
  bool literal(std::string_view word) {
    if (t_.substr(i_, word.size()) != word) return err("invalid literal");
    i_ += word.size();
    return true;
  }

  bool value(JsonValue* out, int depth) {
    if (depth > kMaxDepth) return err("nesting too deep");
    if (i_ >= t_.size()) return err("unexpected end of input");
    char c = t_[i_];
    if (c == '{') return object(out, depth);
    if (c == '[') return array(out, depth);
    if (c == '"') {
      std::string s;
      if (!string(&s)) return false;
      *out = JsonValue::make_string(std::move(s));
      return true;
    }
    if (c == 't') {
      *out = JsonValue::make_bool(true);
      return literal("true");
    }
    if (c == 'f') {
      *out = JsonValue::make_bool(false);
      return literal("false");
    }
    if (c == 'n') {
      *out = JsonValue();
      return literal("null");
    }
    return number(out);
  }

  bool number(JsonValue* out) {
    // Grammar check per RFC 8259 (from_chars alone would accept e.g. "01" or "1.").
    size_t s = i_;
    auto digits = [&] {
      size_t b = i_;
      while (i_ < t_.size() && t_[i_] >= '0' && t_[i_] <= '9') ++i_;
      return i_ - b;
    };
    if (i_ < t_.size() && t_[i_] == '-') ++i_;
    if (i_ < t_.size() && t_[i_] == '0') {
      ++i_;
    } else if (digits() == 0) {
      return err("invalid value");
    }
    if (i_ < t_.size() && t_[i_] == '.') {
      ++i_;
      if (digits() == 0) return err("digits expected after '.'");
    }
    if (i_ < t_.size() && (t_[i_] == 'e' || t_[i_] == 'E')) {
      ++i_;
      if (i_ < t_.size() && (t_[i_] == '+' || t_[i_] == '-')) ++i_;
      if (digits() == 0) return err("digits expected in exponent");
    }
    std::string_view tok = t_.substr(s, i_ - s);
    double d = 0;
    auto res = std::from_chars(tok.data(), tok.data() + tok.size(), d);
    if (res.ec == std::errc::result_out_of_range) return err("number out of range");
    if (res.ec != std::errc() || res.ptr != tok.data() + tok.size()) return err("invalid number");
    *out = JsonValue::make_number(d, std::string(tok));
    return true;
  }

  bool hex4(unsigned* cp) {
    if (i_ + 4 > t_.size()) return err("truncated \\u escape");
    unsigned v = 0;
    for (int k = 0; k < 4; ++k) {
      char c = t_[i_++];
      v <<= 4;
      if (c >= '0' && c <= '9') v |= c - '0';
      else if (c >= 'a' && c <= 'f') v |= c - 'a' + 10;
      else if (c >= 'A' && c <= 'F') v |= c - 'A' + 10;
      else return err("invalid \\u escape");
    }
    *cp = v;
    return true;
  }

  static void append_utf8(std::string* s, unsigned cp) {
    if (cp < 0x80) {
      *s += static_cast<char>(cp);
    } else if (cp < 0x800) {
      *s += static_cast<char>(0xC0 | (cp >> 6));
      *s += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      *s += static_cast<char>(0xE0 | (cp >> 12));
      *s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      *s += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      *s += static_cast<char>(0xF0 | (cp >> 18));
      *s += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      *s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      *s += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  bool string(std::string* out) {
    ++i_;  // opening quote
    while (true) {
      if (i_ >= t_.size()) return err("unterminated string");
      char c = t_[i_++];
      if (c == '"') return true;
      if (static_cast<unsigned char>(c) < 0x20) return err("control character in string");
      if (c != '\\') {
        *out += c;
        continue;
      }
      if (i_ >= t_.size()) return err("unterminated string");
      char e = t_[i_++];
      switch (e) {
        case '"': *out += '"'; break;
        case '\\': *out += '\\'; break;
        case '/': *out += '/'; break;
        case 'b': *out += '\b'; break;
        case 'f': *out += '\f'; break;
        case 'n': *out += '\n'; break;
        case 'r': *out += '\r'; break;
        case 't': *out += '\t'; break;
        case 'u': {
          unsigned cp = 0;
          if (!hex4(&cp)) return false;
          if (cp >= 0xD800 && cp < 0xDC00) {  // high surrogate: a low one must follow
            unsigned lo = 0;
            if (t_.substr(i_, 2) != "\\u") return err("unpaired surrogate");
            i_ += 2;
            if (!hex4(&lo)) return false;
            if (lo < 0xDC00 || lo >= 0xE000) return err("unpaired surrogate");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          } else if (cp >= 0xDC00 && cp < 0xE000) {
            return err("unpaired surrogate");
          }
          append_utf8(out, cp);
          break;
        }
        default: return err("invalid escape");
      }
    }
  }

  bool array(JsonValue* out, int depth) {
    ++i_;
    std::vector<JsonValue> items;
    skip_ws();
    if (i_ < t_.size() && t_[i_] == ']') {
      ++i_;
      *out = JsonValue::make_array(std::move(items));
      return true;
    }
    while (true) {
      skip_ws();
      items.emplace_back();
      if (!value(&items.back(), depth + 1)) return false;
      skip_ws();
      if (i_ >= t_.size()) return err("unterminated array");
      char c = t_[i_++];
      if (c == ']') break;
      if (c != ',') return err("',' or ']' expected");
    }
    *out = JsonValue::make_array(std::move(items));
    return true;
  }

  bool object(JsonValue* out, int depth) {
    ++i_;
    JsonValue::Members members;
    skip_ws();
    if (i_ < t_.size() && t_[i_] == '}') {
      ++i_;
      *out = JsonValue::make_object(std::move(members));
      return true;
    }
    while (true) {
      skip_ws();
      if (i_ >= t_.size() || t_[i_] != '"') return err("object key expected");
      std::string k;
      if (!string(&k)) return false;
      skip_ws();
      if (i_ >= t_.size() || t_[i_] != ':') return err("':' expected");
      ++i_;
      skip_ws();
      JsonValue v;
      if (!value(&v, depth + 1)) return false;
      members.emplace_back(std::move(k), std::move(v));
      skip_ws();
      if (i_ >= t_.size()) return err("unterminated object");
      char c = t_[i_++];
      if (c == '}') break;
      if (c != ',') return err("',' or '}' expected");
    }
    *out = JsonValue::make_object(std::move(members));
    return true;
  }

  std::string_view t_;
  size_t i_ = 0;
  std::string error_;
};

}  // namespace

bool parse_json(std::string_view text, JsonValue* out, std::string* error) {
  Parser p(text);
  JsonValue v;
  if (!p.document(&v)) {
    if (error) *error = p.error();
    return false;
  }
  *out = std::move(v);
  return true;
}

}  // namespace layerscope
