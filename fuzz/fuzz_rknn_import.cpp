// libFuzzer target: bytes -> the reference tool's eval_perf text importer, then everything
// `layerscope import` prints (tools/cli/cmd_import.cpp): the text report, the findings, the
// memory table, and the in-memory forms of the files `import --out` writes. The bytes reach the
// parser through parse_perf_report(), the content-recognising entry that read_perf_report() (the
// CLI's) calls once it has read the file.
#include "fuzz_report_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  layerscope::fuzz::import_and_render(data, size, "eval_perf.txt");
  return 0;
}
