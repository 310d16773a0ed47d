// `layerscope import`: the reference tool's eval_perf text (or one of our perf.json files) as our
// report: the text tables with findings on stdout, and with --out DIR every report file.
#include <cstdio>
#include <filesystem>

#include "args.h"
#include "commands.h"
#include "help.h"
#include "layerscope/findings.h"
#include "layerscope/import.h"
#include "layerscope/report.h"

namespace layerscope::cli {

namespace {

const CommandSpec kImport = {
    "import",
    "FILE [options]",
    "read the reference tool's eval_perf text (RKNN 2.x/1.x) as a layerscope report, with findings",
    "Reads FILE, the text the reference tool's eval_perf prints or saves (RKNN toolkit 2.x or 1.x layout: "
    "the Network Layer Information Table, the totals, the op-type ranking and, when present, the clock "
    "frequencies and the memory dump), or one of our perf.json files; the kind is recognised by content, not "
    "by file name. Prints the report as `layerscope perf` does: the layer table (Target keeps the board's "
    "unit, NPU or CPU; Cycles are the board's DDR/NPU/Total counters), the ranking split by unit, and the "
    "findings (e.g. the layers that fell back from the NPU to the CPU and their share of the time).\n\n"
    "The reference measures one run per layer: the report has no statistics and no end-to-end latency, "
    "and rules that need kernel names or machine roofs are skipped. A malformed line is reported with "
    "its file and line number; a text cut off (a layer table that runs into the end of the file, a ranking "
    "table or totals that disagree with the layers read) is refused.",
    {
        {"out", "DIR",
         "Also write the report files into DIR (created if missing): perf.txt, perf.json, layers.csv, "
         "trace.json and the other report files, as `layerscope perf --out` does (all or none)."},
    },
    {
        "layerscope import eval_perf.txt",
        "layerscope import eval_perf.txt --out board_report/",
    },
};

}  // namespace

int cmd_import(int argc, char** argv) {
  Args args(argc, argv, kImport);
  if (args.help()) return print_help(kImport);
  if (args.positional().size() != 1) throw UsageError("import: expected exactly one FILE argument");
  PerfReport report;
  Status st = read_perf_report(args.positional()[0], &report);
  if (!st) return report_error(st);
  std::string text = format_perf_text(report) + "\n" + format_findings_text(find_findings(report));
  if (report.memory.total_bytes > 0) text.append("\n").append(format_memory_text(report.memory));
  std::fputs(text.c_str(), stdout);
  if (args.has("out"))
    return write_out_dir(args.get("out"), file_names(kPerfReportFiles),
                         [&](const std::string& dir) { return write_perf_reports(report, dir, text); });
  return kExitOk;
}

}  // namespace layerscope::cli
