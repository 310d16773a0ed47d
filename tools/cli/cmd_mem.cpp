// `layerscope mem`: the reference's eval_memory for this runtime, plus the process's measured
// peak resident memory growth while loading and while running once.
#include <sys/resource.h>

#include <cstdio>

#include "args.h"
#include "commands.h"
#include "inputs.h"
#include "layerscope/profile.h"

namespace layerscope::cli {

namespace {
double peak_rss_mib() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_maxrss) / 1024.0;  // Linux reports KiB
}
}  // namespace

int cmd_mem(int argc, char** argv) {
  Args args(argc, argv, 2, {"input", "image", "mean", "std", "threads"}, {"bgr"});
  if (args.positional().size() != 1) throw UsageError("mem: expected exactly one MODEL argument");
  SessionOptions opts;
  opts.threads = args.get_int("threads", 0, 0);
  const double rss_start = peak_rss_mib();
  std::unique_ptr<Session> session;
  Status st = Session::load(args.positional()[0], opts, &session);
  if (!st) return report_error(st);
  const double rss_loaded = peak_rss_mib();
  std::vector<NamedTensor> inputs = prepare_inputs(*session, args), outputs;
  const double rss_inputs = peak_rss_mib();
  st = session->run(inputs, &outputs);  // also plans models with symbolic input dims
  if (!st) return report_error(st);
  const double rss_run = peak_rss_mib();
  MemoryReport m;
  st = evaluate_memory(*session, &m);
  if (!st) return report_error(st);
  std::fputs(format_memory_text(m).c_str(), stdout);
  std::printf("Measured peak RSS growth: load %.2f MiB, first run %.2f MiB (process peak %.2f MiB)\n",
              rss_loaded - rss_start, rss_run - rss_inputs, rss_run);
  return kExitOk;
}

}  // namespace layerscope::cli
