// Text helpers shared by the report.html writers (src/report/html_*.cpp).
#include <cinttypes>
#include <cstdarg>
#include <cstdio>
#include <string>

#include "report/html_parts.h"

namespace layerscope::html {

std::string escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string fmt(const char* format, ...) {
  char buf[256];
  va_list ap;
  va_start(ap, format);
  vsnprintf(buf, sizeof buf, format, ap);
  va_end(ap);
  return buf;
}

std::string script_safe_json(std::string_view json) {
  std::string out;
  out.reserve(json.size());
  bool in_string = false;
  for (size_t i = 0; i < json.size(); ++i) {
    const char c = json[i];
    if (!in_string) {
      if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;  // layout only
      if (c == '"') in_string = true;
      out += c;
      continue;
    }
    if (c == '\\' && i + 1 < json.size()) {  // an escape: copy it whole, it cannot end the string
      out += c;
      out += json[++i];
    } else if (c == '"') {
      in_string = false;
      out += c;
    } else if (c == '<' && json.substr(i, 2) == "</") {
      out += "<\\/";  // "</script" would end the element in the HTML tokenizer
      ++i;
    } else if (c == '<' && json.substr(i, 4) == "<!--") {
      out += "\\u003c";  // "<!--" switches the tokenizer into its escaped script states
    } else {
      out += c;
    }
  }
  return out;
}

std::string shapes_text(const std::vector<std::vector<int64_t>>& shapes) {
  if (shapes.empty()) return "\\";
  std::string out;
  for (size_t i = 0; i < shapes.size(); ++i) {
    out += i ? ",(" : "(";
    for (size_t d = 0; d < shapes[i].size(); ++d) out += (d ? "," : "") + std::to_string(shapes[i][d]);
    out += ")";
  }
  return out;
}

std::string full_name(const LayerProfile& layer) {
  std::string s = layer.op_type + ":";
  for (size_t i = 0; i < layer.source_names.size(); ++i) s += (i ? "+" : "") + layer.source_names[i];
  return s;
}

std::string micros(double us) {
  if (us >= 1000) return fmt("%.0f", us);
  if (us >= 10) return fmt("%.1f", us);
  return fmt("%.2f", us);
}

std::string bytes_text(int64_t bytes) {
  const double b = static_cast<double>(bytes);
  if (b >= 1024.0 * 1024.0 * 1024.0) return fmt("%.2f GiB", b / (1024.0 * 1024.0 * 1024.0));
  if (b >= 1024.0 * 1024.0) return fmt("%.2f MiB", b / (1024.0 * 1024.0));
  if (b >= 1024.0) return fmt("%.2f KiB", b / 1024.0);
  return fmt("%" PRId64 " B", bytes);
}

}  // namespace layerscope::html
