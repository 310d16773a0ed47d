#include "util/text.h"

#include <cmath>
#include <cstdio>

#include "ir/error.h"

namespace layerscope {

std::string vfmt(const char* format, va_list args) {
  // Two passes: the first (on a copy of `args`) measures, the second writes into a string of
  // exactly that size. Most results fit the small buffer and need only the first pass.
  char small[256];
  va_list measure;
  va_copy(measure, args);
  const int n = std::vsnprintf(small, sizeof small, format, measure);
  va_end(measure);
  // Only an invalid conversion (e.g. a wide character with no multibyte form) fails.
  if (n < 0) fail("cannot format text with the printf format \"", format, "\"");
  if (static_cast<size_t>(n) < sizeof small) return std::string(small, static_cast<size_t>(n));
  std::string out(static_cast<size_t>(n), '\0');
  std::vsnprintf(out.data(), out.size() + 1, format, args);  // + 1: the terminating NUL
  return out;
}

std::string fmt(const char* format, ...) {
  va_list args;
  va_start(args, format);
  std::string out = vfmt(format, args);
  va_end(args);
  return out;
}

std::string padded(const std::string& text, size_t width) {
  if (text.size() + 1 >= width) return text + " ";
  return text + std::string(width - text.size(), ' ');
}

std::string word_wrapped(const std::string& text, size_t width, const std::string& first_indent,
                         const std::string& indent) {
  std::string out, line = first_indent;
  size_t line_indent = first_indent.size();  // where this line's words begin
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find(' ', pos);
    if (end == std::string::npos) end = text.size();
    const std::string word = text.substr(pos, end - pos);
    if (line.size() > line_indent && line.size() + 1 + word.size() > width) {
      out += line + "\n";
      line = indent;
      line_indent = indent.size();
    }
    if (line.size() > line_indent) line += ' ';
    line += word;
    pos = end + 1;
  }
  return out + line + "\n";
}

std::string bytes_text(double bytes) {
  static const char* const kUnits[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  if (bytes < 1024.0) return std::to_string(static_cast<int64_t>(bytes)) + " B";
  int unit = -1;
  while (bytes >= 1024.0 && unit < 5) {
    bytes /= 1024.0;
    ++unit;
  }
  return fmt("%.2f %s", bytes, kUnits[unit]);
}

std::string shape_text(const std::vector<int64_t>& dims) {
  std::string out = "(";
  for (size_t i = 0; i < dims.size(); ++i) out += (i ? "," : "") + std::to_string(dims[i]);
  return out + ")";
}

std::string shapes_text(const std::vector<std::vector<int64_t>>& shapes) {
  if (shapes.empty()) return "\\";
  std::string out;
  for (size_t i = 0; i < shapes.size(); ++i) out += (i ? "," : "") + shape_text(shapes[i]);
  return out;
}

std::string shapes_text_within(const std::vector<std::vector<int64_t>>& shapes, size_t width) {
  std::string out;
  for (size_t i = 0; i < shapes.size(); ++i) {
    std::string next = (i ? "," : "") + shape_text(shapes[i]);
    const bool last = i + 1 == shapes.size();
    // A shape that is not the last must leave room for the ",..." that may follow it.
    if (out.size() + next.size() + (last ? 0 : 4) >= width)
      return out.empty() ? next.substr(0, width - 5) + "..." : out + ",...";
    out += next;
  }
  return out.empty() ? "\\" : out;
}

std::string shape_token(const std::vector<int64_t>& dims) {
  if (dims.empty()) return "scalar";
  std::string out;
  for (size_t i = 0; i < dims.size(); ++i) out += (i ? "x" : "") + std::to_string(dims[i]);
  return out;
}

std::string fused_names_text(const std::vector<std::string>& source_names) {
  std::string out;
  for (size_t i = 0; i < source_names.size(); ++i) out += (i ? "+" : "") + source_names[i];
  return out;
}

std::string layer_full_name(const std::string& op_type, const std::vector<std::string>& source_names) {
  return op_type + ":" + fused_names_text(source_names);
}

std::string scoped_name(const std::string& scope, const std::string& name) {
  return scope.empty() ? name : scope + "/" + name;
}

std::string scoped_full_name(const std::string& scope, const std::string& op_type,
                             const std::vector<std::string>& source_names) {
  return scoped_name(scope, layer_full_name(op_type, source_names));
}

std::string calls_text(double calls) {
  return fmt("%.*f call%s", calls == std::floor(calls) ? 0 : 1, calls, calls == 1 ? "" : "s");
}

std::string per_thread_text(const std::vector<double>& values, const char* format) {
  if (values.empty()) return "\\";
  std::string out;
  for (size_t i = 0; i < values.size(); ++i) out += (i ? "/" : "") + fmt(format, values[i]);
  return out;
}

std::string per_thread_heading(const std::string& name, size_t threads) {
  std::string out = name + "(";
  for (size_t i = 0; i < threads; ++i) out += (i ? "/" : "") + std::to_string(i);
  return out + ")";
}

}  // namespace layerscope
