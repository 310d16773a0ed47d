// `layerscope machine`: this CPU and its measured roofs (cached per machine).
#include <cstdio>
#include <filesystem>
#include <optional>

#include "args.h"
#include "commands.h"
#include "help.h"
#include "progress.h"

namespace layerscope::cli {

namespace {

const CommandSpec kMachine = {
    "machine",
    "[options]",
    "this CPU: model, cores, ISA, caches, measured clock, peak MAC rates, memory bandwidth",
    "Identifies this CPU (model, usable cores, instruction sets, caches) and prints the roofs every derived "
    "profile figure is measured against: the clock, the peak fp32/bf16/int8 multiply-accumulate rates on one "
    "core and on all cores, and the memory bandwidth (read, write, copy).\n\n"
    "The figures are measured once by micro-benchmarks (a few seconds) and cached per machine (see "
    "LAYERSCOPE_CACHE_DIR); later calls and `layerscope perf` read the cache. Recalibrate on a quiet "
    "machine for trustworthy roofs: other processes lower the all-core figures.",
    {
        {"recalibrate", nullptr, "Measure again even when a cached calibration exists, and update the cache."},
        {"json", nullptr, "Print the figures as JSON (the cache file's format) instead of text."},
    },
    {
        "layerscope machine",
        "layerscope machine --recalibrate",
        "layerscope machine --json > machine.json",
    },
};

}  // namespace

Status load_machine(MachineInfo* info, bool force) {
  // An unusable cache location (unreadable, a loop, not a folder) just means calibrating; the
  // write's failure is reported by load_or_calibrate() and is not fatal.
  std::error_code ec;
  const bool calibrating = force || !std::filesystem::exists(machine_cache_path(), ec);
  const char* notice = "calibrating this machine (peak MAC rates, memory bandwidth; a few seconds, cached)...";
  if (calibrating && !progress_enabled()) std::fprintf(stderr, "%s\n", notice);
  std::optional<ElapsedTicker> ticker;
  if (calibrating) ticker.emplace(notice);
  return load_or_calibrate(info, force);
}

int cmd_machine(int argc, char** argv) {
  Args args(argc, argv, kMachine);
  if (args.help()) return print_help(kMachine);
  if (!args.positional().empty()) throw UsageError("machine: takes no arguments");
  MachineInfo info;
  Status st = load_machine(&info, args.has("recalibrate"));
  if (!st) std::fprintf(stderr, "warning: %s\n", st.message().c_str());
  std::fputs((args.has("json") ? machine_to_json(info) : format_machine(info)).c_str(), stdout);
  return kExitOk;
}

}  // namespace layerscope::cli
