// `layerscope machine`: this CPU and its measured roofs (cached per machine).
#include <cstdio>
#include <filesystem>

#include "args.h"
#include "commands.h"
#include "layerscope/machine.h"

namespace layerscope::cli {

int cmd_machine(int argc, char** argv) {
  Args args(argc, argv, 2, {}, {"recalibrate", "json"});
  if (!args.positional().empty()) throw UsageError("machine: takes no arguments");
  MachineInfo info;
  if (args.has("recalibrate") || !std::filesystem::exists(machine_cache_path()))
    std::fprintf(stderr, "calibrating this machine (a few seconds; cached afterwards)...\n");
  Status st = load_or_calibrate(&info, args.has("recalibrate"));
  if (!st) std::fprintf(stderr, "warning: %s\n", st.message().c_str());
  std::fputs((args.has("json") ? machine_to_json(info) : format_machine(info)).c_str(), stdout);
  return kExitOk;
}

}  // namespace layerscope::cli
