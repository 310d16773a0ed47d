#include "accuracy/metric_cells.h"

#include <cmath>

#include "report/html_parts.h"

namespace layerscope::accuracy {

using html::escape;

// A number cell: the sort key in data-v (empty when undefined: sorts as the smallest), the note
// as a tooltip.
std::string metric_td(const Metric& m, const char* format, const char* suffix) {
  std::string title = m.note.empty() ? "" : " title=\"" + escape(m.note) + "\"";
  if (!m.defined) return "<td class=\"num\" data-v=\"\"" + title + ">n/a*</td>";
  if (std::isinf(m.value))
    return "<td class=\"num\" data-v=\"" + std::string(m.value > 0 ? "1e308" : "-1e308") + "\"" + title + ">" +
           (m.value > 0 ? "inf" : "-inf") + "</td>";
  return "<td class=\"num\" data-v=\"" + fmt("%.17g", m.value) + "\"" + title + ">" + fmt(format, m.value) + suffix +
         (m.note.empty() ? "" : "*") + "</td>";
}

std::string metric_text(const Metric& m, const char* format) {
  if (!m.defined) return "n/a";
  if (std::isinf(m.value)) return m.value > 0 ? "inf" : "-inf";
  return fmt(format, m.value);
}

}  // namespace layerscope::accuracy
