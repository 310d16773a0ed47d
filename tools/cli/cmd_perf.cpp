// `layerscope perf`: layer-by-layer performance evaluation + memory evaluation.
// With --out DIR it also writes the report files (perf.txt, perf.json, layers.csv, trace.json;
// see docs/report-schema.md) and lists them on stderr.
#include <cstdio>
#include <filesystem>

#include "args.h"
#include "commands.h"
#include "inputs.h"
#include "layerscope/machine.h"
#include "layerscope/profile.h"
#include "layerscope/report.h"

namespace layerscope::cli {

int cmd_perf(int argc, char** argv) {
  Args args(argc, argv, 2, {"input", "image", "mean", "std", "out", "threads", "runs", "warmup"}, {"bgr"});
  if (args.positional().size() != 1) throw UsageError("perf: expected exactly one MODEL argument");
  SessionOptions opts;
  opts.threads = args.get_int("threads", 0, 0);
  ProfileOptions popts;
  popts.warmup = args.get_int("warmup", 5, 0);
  popts.runs = args.get_int("runs", 20, 1);

  std::unique_ptr<Session> session;
  Status st = Session::load(args.positional()[0], opts, &session);
  if (!st) return report_error(st);
  std::vector<NamedTensor> inputs = prepare_inputs(*session, args);
  // Derived columns (cycles, MacUsage, Bound) use this machine's measured roofs.
  MachineInfo machine;
  if (!std::filesystem::exists(machine_cache_path()))
    std::fprintf(stderr, "calibrating this machine once (peak MAC rate, memory bandwidth; cached)...\n");
  Status mst = load_or_calibrate(&machine, false);
  if (!mst) std::fprintf(stderr, "warning: %s\n", mst.message().c_str());
  PerfReport report;
  st = evaluate_performance(*session, inputs, popts, roofs_from_machine(machine), &report);
  if (!st) return report_error(st);
  std::string text = format_perf_text(report) + "\n" + format_memory_text(report.memory);
  std::fputs(text.c_str(), stdout);
  if (args.has("out")) {
    std::filesystem::path dir = args.get("out");
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) return report_error(Status::error("cannot create output folder '" + dir.string() + "': " + ec.message()));
    st = write_perf_reports(report, dir.string(), text);
    if (!st) return report_error(st);
    for (const char* name : kPerfReportFiles) std::fprintf(stderr, "wrote %s\n", (dir / name).string().c_str());
  }
  return kExitOk;
}

}  // namespace layerscope::cli
