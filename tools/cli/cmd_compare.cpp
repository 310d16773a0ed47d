// `layerscope compare`: two reports side by side (A = baseline, B = candidate), per op type and
// per layer, with a noise verdict per change; text on stdout, and with --out DIR compare.txt,
// compare.json and compare.html.
#include <cstdio>
#include <filesystem>

#include "args.h"
#include "commands.h"
#include "help.h"
#include "layerscope/compare.h"
#include "layerscope/import.h"

namespace layerscope::cli {

namespace {

const CommandSpec kCompare = {
    "compare",
    "A B [options]",
    "compare two reports (perf.json or RKNN eval_perf text) per op type and per layer, beyond noise or not",
    "Compares report B (the candidate) with report A (the baseline). Each is a perf.json written by "
    "`layerscope perf --out` or the reference tool's eval_perf text (RKNN 2.x or 1.x layout), recognised "
    "by content. Layers are matched by their original ONNX node name, then by name plus a converter suffix "
    "(as the reference's converter renames layers), then by op type and shapes in execution order; the "
    "rest are listed as added (only in B) or removed (only in A).\n\n"
    "For the layer sum, the end-to-end latency, every op type and every layer it prints the time in A, "
    "the time in B, the change in microseconds and percent, and a verdict: 'slower' or 'faster' when the "
    "two reports' time ranges over their runs ([min, p90]) do not overlap, i.e. the change is beyond the "
    "runs' own noise; 'within noise' when they overlap; 'no spread' when a report has a single run (an "
    "imported eval_perf text, or --runs 1), which gives no measure of noise.",
    {
        {"out", "DIR",
         "Also write DIR/compare.txt (the text printed), DIR/compare.json and DIR/compare.html (one "
         "self-contained page with sortable tables), all or none; DIR is created if missing."},
    },
    {
        "layerscope compare before/perf.json after/perf.json",
        "layerscope compare t1/perf.json t2/perf.json --out compare_threads/",
        "layerscope compare cpu_run/perf.json board_eval_perf.txt --out cpu_vs_npu/",
    },
};

}  // namespace

int cmd_compare(int argc, char** argv) {
  Args args(argc, argv, kCompare);
  if (args.help()) return print_help(kCompare);
  if (args.positional().size() != 2) throw UsageError("compare: expected two reports, A and B");
  const std::string path_a = args.positional()[0], path_b = args.positional()[1];
  PerfReport a, b;
  Status st = read_perf_report(path_a, &a);
  if (!st) return report_error(st);
  st = read_perf_report(path_b, &b);
  if (!st) return report_error(st);
  const Comparison c = compare_reports(a, b, path_a, path_b);
  const std::string text = format_comparison_text(c);
  std::fputs(text.c_str(), stdout);
  if (args.has("out"))
    return write_out_dir(args.get("out"), file_names(kCompareFiles),
                         [&](const std::string& dir) { return write_comparison_files(c, dir, text); });
  return kExitOk;
}

}  // namespace layerscope::cli
