// How a metric of the accuracy analysis appears on a page: accuracy.html and report.html's
// Accuracy section print the same numbers with the same reasons.
#pragma once
#include <string>

#include "layerscope/accuracy.h"

namespace layerscope::accuracy {

// A <td>: the value printed with `format` (+ `suffix`), the exact value in data-v for sorting
// ("" when undefined: sorts as unknown; +-1e308 for an infinite SQNR), "n/a*" when undefined, a
// trailing * and the note as tooltip when the metric carries one.
std::string metric_td(const Metric& m, const char* format, const char* suffix = "");

// The value as text: "n/a" when undefined, "inf" / "-inf", else `format`.
std::string metric_text(const Metric& m, const char* format);

}  // namespace layerscope::accuracy
