// The accuracy report as JSON (schema "layerscope.accuracy", docs/quantize.md): one object,
// written and read here, that is both accuracy.json and perf.json's "accuracy" member, so the two
// never drift apart and one reader serves `perf --accuracy` and perf.json's readers.
#pragma once
#include <string>

#include "layerscope/accuracy.h"
#include "report/json_object.h"
#include "util/json.h"

namespace layerscope::accuracy {

// Bumped when a field is renamed, removed or changes meaning; adding fields keeps it.
constexpr int kAccuracySchemaVersion = 1;

// Writes the report object at `w`'s current position (a top-level value or a member's value).
void write_report_json(JsonWriter& w, const AccuracyReport& r);

// Reads every field write_report_json writes; fields later added to version 1 are optional.
// Throws Error naming the file and the field for another schema, a newer version or a field of
// the wrong type.
AccuracyReport read_report_json(const JsonObjectReader& o);

}  // namespace layerscope::accuracy
