// Text helpers shared by the report.html writers (src/report/html_*.cpp).
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

std::string micros(double us) {
  if (us >= 1000) return fmt("%.0f", us);
  if (us >= 10) return fmt("%.1f", us);
  return fmt("%.2f", us);
}

std::string th(const char* key, const char* type, const std::string& label, const char* title) {
  return std::string("<th data-key=\"") + key + "\" data-type=\"" + type + "\"" +
         (std::string(type) == "num" ? " class=\"num\"" : "") + " title=\"" + title +
         "\" tabindex=\"0\" aria-sort=\"none\">" + label + "</th>";
}

// A numeric cell: shown text, raw sort value ("" = unknown), optional tooltip.
std::string num_td(const std::string& text, const std::string& value, const std::string& title) {
  std::string out = "<td class=\"num\" data-v=\"" + value + "\"";
  if (!title.empty()) out += " title=\"" + escape(title) + "\"";
  return out + ">" + escape(text) + "</td>";
}

std::string op_chip(const std::string& op) {
  return "<span class=\"op-chip\" data-op=\"" + escape(op) + "\">" + escape(op) + "</span>";
}

std::string filter_box(const char* table_id, const char* placeholder, const std::string& noun, size_t count) {
  return std::string("<div class=\"table-tools\"><input type=\"search\" class=\"filter\" data-filter-for=\"") +
         table_id + "\" placeholder=\"" + placeholder + "\" aria-label=\"" + placeholder +
         "\"><span class=\"count\" data-count-for=\"" + table_id + "\" data-noun=\"" + noun + "\">" +
         std::to_string(count) + " " + noun +
         "</span><span class=\"hint\">Click a column header to sort; "
         "the filter keeps rows containing every word.</span></div>\n";
}

}  // namespace layerscope::html
