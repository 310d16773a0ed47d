// The `layerscope` command: dispatches to one subcommand per file (cmd_*.cpp).
#include <cstdio>
#include <cstring>
#include <exception>
#include <filesystem>
#include <string>

#include "args.h"
#include "commands.h"
#include "layerscope/workload.h"
#include "omp_wait_default.h"

namespace layerscope::cli {

int report_error(const Status& st) {
  std::fprintf(stderr, "error: %s\n", st.message().c_str());
  return kExitFailure;
}

int write_out_dir(const std::string& dir, const std::vector<std::string>& files,
                  const std::function<Status(const std::string&)>& write) {
  namespace fs = std::filesystem;
  // The folders this call creates (DIR and any missing parents), so that a failed write takes
  // them away again: a failed command leaves nothing behind.
  std::vector<fs::path> created;
  std::error_code ec;
  fs::path p = fs::absolute(dir, ec).lexically_normal();
  if (!p.has_filename()) p = p.parent_path();  // "out/" -> "out"
  while (!ec && !p.empty()) {
    std::error_code missing;
    if (fs::exists(fs::symlink_status(p, missing))) break;
    created.push_back(p);
    if (p == p.parent_path()) break;
    p = p.parent_path();
  }
  ec.clear();
  fs::create_directories(dir, ec);
  Status st = ec ? Status::error("cannot create output folder '" + dir + "': " + ec.message()) : write(dir);
  if (!st) {
    for (const fs::path& p : created) fs::remove(p, ec);  // innermost first; only empty folders go
    return report_error(st);
  }
  for (const std::string& name : files) std::fprintf(stderr, "wrote %s\n", (fs::path(dir) / name).string().c_str());
  return kExitOk;
}

namespace {

// The command list; each command's options and examples live with it (cmd_<name>.cpp) and are
// printed by `layerscope <command> --help`.
const char* kUsage =
    "usage: layerscope <command> [options]\n"
    "       layerscope <command> --help     options and examples of one command\n"
    "\n"
    "commands:\n"
    "  run      run a model, print its outputs' shapes and latency, save the outputs as .npy\n"
    "  perf     layer-by-layer performance evaluation (RKNN eval_perf tables) and memory evaluation\n"
    "  mem      memory evaluation: weights, planned activation peak, inputs/outputs, measured RSS growth\n"
    "  bench    end-to-end latency statistics (median, min, max, p90), load time, peak RSS\n"
    "  machine  this CPU: model, cores, ISA, caches, measured clock, peak MAC rates, memory bandwidth\n"
    "  import   read the reference tool's eval_perf text (RKNN 2.x/1.x) as a report, with findings\n"
    "  compare  compare two reports (perf.json or eval_perf text) per op type and layer, beyond noise or not\n"
    "  quantize quantize a model to int8 (ONNX QDQ) from a calibration dataset\n"
    "  accuracy per-layer accuracy of a quantized model against its float model (entire, single, sensitivity)\n"
    "\n"
    "  --version   print the version\n"
    "  --help      print this help\n"
    "\n"
    "examples:\n"
    "  layerscope perf model.onnx --out report/\n"
    "  layerscope run model.onnx --input images=batch.npy --out outputs/\n"
    "\n"
    "exit codes: 0 ok; 1 the model, its inputs or an output file could not be processed; 2 usage error\n";

}  // namespace
}  // namespace layerscope::cli

int main(int argc, char** argv) {
  using namespace layerscope::cli;
  apply_omp_wait_default(argv);
  if (argc < 2) {
    std::fputs(kUsage, stderr);
    return kExitUsage;
  }
  std::string cmd = argv[1];
  // The CLI is a profiler: it measures WorkLoad (include/layerscope/workload.h). If the
  // interposition cannot take effect, WorkLoad is reported unknown; nothing else changes.
  layerscope::enable_workload_measurement();
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
    if (cmd == "import") return cmd_import(argc, argv);
    if (cmd == "compare") return cmd_compare(argc, argv);
    if (cmd == "quantize") return cmd_quantize(argc, argv);
    if (cmd == "accuracy") return cmd_accuracy(argc, argv);
    std::fprintf(stderr, "error: unknown command '%s'\n\n%s", cmd.c_str(), kUsage);
    return kExitUsage;
  } catch (const UsageError& e) {
    std::fprintf(stderr, "error: %s\n(see layerscope %s --help)\n", e.what(), cmd.c_str());
    return kExitUsage;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return kExitFailure;
  }
}
