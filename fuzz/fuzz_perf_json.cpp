// libFuzzer target: bytes -> perf.json reader (report/json_reader.cpp, through the
// content-recognising parse_perf_report() that read_perf_report(), the CLI's entry, calls), then
// everything `layerscope import` prints and writes for the report it read.
#include "fuzz_report_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  layerscope::fuzz::import_and_render(data, size, "perf.json");
  return 0;
}
