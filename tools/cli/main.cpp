// The `layerscope` command: dispatches to one subcommand per file (cmd_*.cpp).
#include <cstdio>
#include <cstring>
#include <exception>
#include <string>

#include "args.h"
#include "commands.h"

namespace layerscope::cli {

int report_error(const Status& st) {
  std::fprintf(stderr, "error: %s\n", st.message().c_str());
  return kExitFailure;
}

namespace {

const char* kUsage =
    "usage: layerscope <command> [options]\n"
    "\n"
    "commands:\n"
    "  run MODEL [--input NAME=FILE.npy ...] [--out DIR] [--threads N] [--warmup N] [--runs N]\n"
    "      run the model, print output shapes and latency, save outputs as DIR/<name>.npy\n"
    "\n"
    "  Inputs (run, perf, bench): --input NAME=FILE.npy for each input; or --image [NAME=]FILE.jpg\n"
    "  [--mean R,G,B] [--std R,G,B] [--bgr]: decoded, resized to the input's size, (pixel-mean)/std,\n"
    "  laid out as the input expects (NCHW or NHWC). Inputs not given get fixed-seed random values.\n"
    "  perf MODEL [--input NAME=FILE.npy ...] [--threads N] [--warmup N] [--runs M] [--out DIR]\n"
    "      layer-by-layer performance evaluation (layer table, op-type ranking) and memory\n"
    "      evaluation; statistics over M runs; writes DIR/perf.txt\n"
    "  mem MODEL [--input NAME=FILE.npy ...] [--threads N]\n"
    "      memory evaluation: weights as held, planned activation peak, inputs/outputs,\n"
    "      and the measured peak RSS growth while loading and running once\n"
    "\n"
    "  bench MODEL [--input NAME=FILE.npy ...] [--threads N] [--warmup W] [--runs R] [--json]\n"
    "      end-to-end latency statistics (median, min, max, p90), load time, peak RSS\n"
    "  machine [--recalibrate] [--json]\n"
    "      this CPU: model, cores, ISA, measured clock, peak MAC rates and memory bandwidth\n"
    "      (measured once, then cached per machine)\n"
    "\n"
    "  --version   print the version\n"
    "  --help      print this help\n"
    "\n"
    "exit codes: 0 ok, 1 the model or its inputs could not be processed, 2 usage error\n";

}  // namespace
}  // namespace layerscope::cli

int main(int argc, char** argv) {
  using namespace layerscope::cli;
  if (argc < 2) {
    std::fputs(kUsage, stderr);
    return kExitUsage;
  }
  std::string cmd = argv[1];
  try {
    if (cmd == "--version") {
      std::printf("layerscope %s\n", LAYERSCOPE_VERSION);
      return kExitOk;
    }
    if (cmd == "--help" || cmd == "-h" || cmd == "help") {
      std::fputs(kUsage, stdout);
      return kExitOk;
    }
    if (cmd == "run") return cmd_run(argc, argv);
    if (cmd == "perf") return cmd_perf(argc, argv);
    if (cmd == "bench") return cmd_bench(argc, argv);
    if (cmd == "machine") return cmd_machine(argc, argv);
    if (cmd == "mem") return cmd_mem(argc, argv);
    std::fprintf(stderr, "error: unknown command '%s'\n\n%s", cmd.c_str(), kUsage);
    return kExitUsage;
  } catch (const UsageError& e) {
    std::fprintf(stderr, "error: %s\n(see layerscope --help)\n", e.what());
    return kExitUsage;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return kExitFailure;
  }
}
