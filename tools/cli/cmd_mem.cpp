// `layerscope mem`: the reference's eval_memory for this runtime, plus the process's measured
// peak resident memory growth while loading and while running once.
#include <sys/resource.h>

#include <cstdio>

#include "args.h"
#include "commands.h"
#include "help.h"
#include "inputs.h"
#include "layerscope/profile.h"
#include "session_options.h"

namespace layerscope::cli {

namespace {

const CommandSpec kMem = {
    "mem",
    "MODEL.onnx [options]",
    "memory evaluation: weights, planned activation peak, inputs/outputs, measured RSS growth",
    "The reference tool's eval_memory for this runtime: prints the Memory Profile Info Dump - weight memory "
    "(constants as held, prepacked copies included), internal tensor memory (the planned activation arena "
    "peak, kernel scratch included), other memory (model inputs and outputs) and the total - then the "
    "process's measured peak resident memory growth while loading the model and during its first run.",
    join_options({input_options(), thread_options()}),
    {
        "layerscope mem model.onnx",
        "layerscope mem model.onnx --input images=batch.npy",
        "layerscope mem depth.onnx --image front.jpg --threads 1",
    },
};

double peak_rss_mib() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_maxrss) / 1024.0;  // Linux reports KiB
}

}  // namespace

int cmd_mem(int argc, char** argv) {
  Args args(argc, argv, kMem);
  if (args.help()) return print_help(kMem);
  if (args.positional().size() != 1) throw UsageError("mem: expected exactly one MODEL argument");
  const SessionOptions opts = session_options(args);
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
