// The CLI's subcommands. Each returns the process exit code (see README.md and --help):
//   0 ok, 1 the model/input could not be processed, 2 usage error.
#pragma once
#include <functional>
#include <iterator>
#include <string>
#include <vector>

#include "layerscope/machine.h"
#include "layerscope/status.h"

namespace layerscope::cli {

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

int cmd_run(int argc, char** argv);
int cmd_perf(int argc, char** argv);
int cmd_bench(int argc, char** argv);
int cmd_machine(int argc, char** argv);
int cmd_mem(int argc, char** argv);
int cmd_import(int argc, char** argv);
int cmd_compare(int argc, char** argv);
int cmd_quantize(int argc, char** argv);
int cmd_accuracy(int argc, char** argv);

// Prints "error: <message>" on stderr and returns kExitFailure.
int report_error(const Status& st);

// For --out DIR: creates DIR, calls write(DIR) (which writes every file or none) and lists the
// written `files` on stderr. When the write fails, the folders it created are removed again, so
// a failed command leaves nothing behind. Returns the exit code.
int write_out_dir(const std::string& dir, const std::vector<std::string>& files,
                  const std::function<Status(const std::string&)>& write);
// The file names of a constant list such as kPerfReportFiles.
template <size_t N>
std::vector<std::string> file_names(const char* const (&names)[N]) {
  return {std::begin(names), std::end(names)};
}

// load_or_calibrate() with a notice (and a ticking progress line on a terminal) when it has to
// calibrate, which takes seconds.
Status load_machine(MachineInfo* info, bool force);

}  // namespace layerscope::cli
