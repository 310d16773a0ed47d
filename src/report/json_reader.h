// Reading our perf.json back into a PerfReport (for `layerscope compare` and round trips). It
// builds on the DOM parser of util/json.h (parse_json) rather than a second parser, and
// adds what a reader of a versioned file needs: typed access with errors that name the field
// ("perf.json: layers[3].time_us.median: expected a number, got a string").
#pragma once
#include <string>
#include <string_view>

#include "layerscope/profile.h"

namespace layerscope {

// True when the text is a JSON object (first non-blank character '{'): a candidate perf.json.
bool looks_like_json(std::string_view text);

// Restores every field perf_report_json() writes ("findings" are derived and ignored). Fields
// that later releases of schema version 1 added are optional (absent = default). Throws Error
// naming `source` for invalid JSON, another schema, a newer schema_version, or a field of the
// wrong type. Unknown fields are ignored, as docs/report-schema.md asks of readers.
PerfReport parse_perf_json(std::string_view text, const std::string& source);

}  // namespace layerscope
