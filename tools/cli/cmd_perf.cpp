// `layerscope perf`: layer-by-layer performance evaluation + memory evaluation.
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "commands.h"
#include "inputs.h"
#include "layerscope/profile.h"

namespace layerscope::cli {

namespace {

// Writes `text` to `path` via a temporary file, so a failure leaves no half-written report.
Status write_file(const std::filesystem::path& path, const std::string& text) {
  std::filesystem::path tmp = path;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out.good()) {
      std::filesystem::remove(tmp);
      return Status::error("cannot write '" + path.string() + "'");
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) return Status::error("cannot write '" + path.string() + "': " + ec.message());
  return Status::ok();
}

}  // namespace

int cmd_perf(int argc, char** argv) {
  Args args(argc, argv, 2, {"input", "out", "threads", "runs", "warmup"}, {});
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
  PerfReport report;
  st = evaluate_performance(*session, inputs, popts, Roofs{}, &report);
  if (!st) return report_error(st);
  std::string text = format_perf_text(report) + "\n" + format_memory_text(report.memory);
  std::fputs(text.c_str(), stdout);
  if (args.has("out")) {
    std::filesystem::path dir = args.get("out");
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) return report_error(Status::error("cannot create output folder '" + dir.string() + "': " + ec.message()));
    st = write_file(dir / "perf.txt", text);
    if (!st) return report_error(st);
    std::fprintf(stderr, "wrote %s\n", (dir / "perf.txt").string().c_str());
  }
  return kExitOk;
}

}  // namespace layerscope::cli
