// `layerscope perf`: layer-by-layer performance evaluation + memory evaluation.
// With --out DIR it also writes the report files (perf.txt, perf.json, layers.csv, trace.json,
// report.html; see docs/report-schema.md) and lists them on stderr; --accuracy adds the accuracy
// analysis of the quantized model to them.
#include <cstdio>
#include <filesystem>

#include "args.h"
#include "commands.h"
#include "help.h"
#include "inputs.h"
#include "layerscope/accuracy.h"
#include "layerscope/findings.h"
#include "layerscope/machine.h"
#include "layerscope/profile.h"
#include "layerscope/report.h"
#include "progress.h"
#include "session_options.h"

namespace layerscope::cli {

namespace {

const CommandSpec kPerf = {
    "perf",
    "MODEL.onnx [options]",
    "layer-by-layer performance evaluation (RKNN eval_perf tables) and memory evaluation",
    "The reference tool's eval_perf and eval_memory for this CPU. Runs MODEL.onnx --warmup times, then "
    "--runs times with the per-layer profiler and as many times without it, interleaved, and prints: a header "
    "(threads, pinned cores, the machine's measured roofs, end-to-end latency with and without the profiler, "
    "`Profiling overhead` and `Layer sum / end-to-end`); the Network Layer Information Table (one row per "
    "executed layer: op type, precision, shapes, Cycles(Mem/Compute/Total), median Time(us), MacUsage, "
    "WorkLoad - each worker thread's share of the layer's work -, RW(KB), the kernel that ran, Bound and the "
    "original ONNX node names; the layers an If branch or a Loop/Scan body ran follow their control layer's "
    "row, indented, their times per run summed over their executions); the Operator Time Consuming Ranking "
    "Table; the findings; and the Memory Profile Info Dump.\n\n"
    "Cycles, MacUsage and Bound are computed against this machine's measured roofs (`layerscope machine`; "
    "calibrated on first use, a few seconds, then cached). With --out DIR the report is also written as "
    "files; their format is described in docs/report-schema.md (perf.json: docs/report-schema.json).",
    join_options(
        {input_options(),
         thread_options(),
         {
             {"warmup", "N", "Un-timed runs first. Default 5."},
             {"runs", "N",
              "Timed runs with the profiler, and as many without it (at least 1). Default 20. Times "
              "are medians over these runs."},
             {"accuracy", "FILE|DIR",
              "The accuracy.json `layerscope accuracy FLOAT.onnx MODEL.onnx --out DIR` wrote for this quantized "
              "model (or that DIR): report.html gains an Accuracy section (output errors, the layers ranked by the "
              "error each adds, each with its time and share from this profile, the keep-float advice), perf.json "
              "an \"accuracy\" member and the findings the layers losing the most. An analysis naming none of "
              "this profile's layers is refused."},
             {"out", "DIR",
              "Also write the report files into DIR (created if missing): perf.txt, perf.json, "
              "layers.csv, trace.json (Chrome/Perfetto trace) and the other report files; all or none: after a "
              "failure (full disk, unwritable folder) the old files are as they were."},
         }}),
    {
        "layerscope perf model.onnx",
        "layerscope perf model.onnx --threads 2 --runs 50 --out report/",
        "layerscope perf depth.onnx --image front.jpg --mean 123.7,116.3,103.5 --std 58.4,57.1,57.4 --cores 0",
        "layerscope perf model.int8.onnx --accuracy accuracy/ --out report/",
    },
};

}  // namespace

int cmd_perf(int argc, char** argv) {
  Args args(argc, argv, kPerf);
  if (args.help()) return print_help(kPerf);
  if (args.positional().size() != 1) throw UsageError("perf: expected exactly one MODEL argument");
  const SessionOptions opts = session_options(args);
  ProfileOptions popts;
  popts.warmup = args.get_int("warmup", 5, 0);
  popts.runs = args.get_int("runs", 20, 1);

  // Read before profiling, so a missing or corrupt accuracy.json fails at once.
  AccuracyReport accuracy;
  if (args.has("accuracy")) {
    Status ast = read_accuracy_report(args.get("accuracy"), &accuracy);
    if (!ast) return report_error(ast);
  }

  std::unique_ptr<Session> session;
  Status st = Session::load(args.positional()[0], opts, &session);
  if (!st) return report_error(st);
  std::vector<NamedTensor> inputs = prepare_inputs(*session, args);
  // Derived columns (cycles, MacUsage, Bound) use this machine's measured roofs.
  MachineInfo machine;
  Status mst = load_machine(&machine, false);
  if (!mst) std::fprintf(stderr, "warning: %s\n", mst.message().c_str());
  PerfReport report;
  Progress progress("perf");
  popts.progress = progress.callback();
  st = evaluate_performance(*session, inputs, popts, roofs_from_machine(machine), &report);
  progress.clear();
  if (!st) return report_error(st);
  // Before anything is printed or written: an analysis of another model leaves no output folder.
  if (args.has("accuracy")) {
    st = attach_accuracy(accuracy, &report);
    if (!st) return report_error(st);
  }
  // The findings follow the ranking table: the reading of the tables above them.
  std::string text = format_perf_text(report) + "\n" + format_findings_text(find_findings(report)) + "\n" +
                     format_memory_text(report.memory);
  std::fputs(text.c_str(), stdout);
  if (args.has("out"))
    return write_out_dir(args.get("out"), file_names(kPerfReportFiles),
                         [&](const std::string& dir) { return write_perf_reports(report, dir, text); });
  return kExitOk;
}

}  // namespace layerscope::cli
