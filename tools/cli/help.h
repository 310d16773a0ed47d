// Each subcommand describes itself next to its code (cmd_<name>.cpp) with a CommandSpec: what
// it does, every option, examples. The same spec tells Args which options exist, so `--help`
// can neither list an option the parser rejects nor miss one it accepts.
#pragma once
#include <initializer_list>
#include <string>
#include <vector>

namespace layerscope::cli {

struct OptionSpec {
  const char* name;         // without the leading "--"
  const char* value;        // placeholder shown in the help ("N", "DIR"); nullptr = a switch
  const char* help;         // one or more sentences; wrapped when printed
  bool repeatable = false;  // may be given several times (--input); others at most once
};

struct CommandSpec {
  const char* name;         // "perf"
  const char* arguments;    // after the name: "MODEL [options]"
  const char* summary;      // one line, for `layerscope --help`
  const char* description;  // what it does and prints; paragraphs separated by "\n\n"
  std::vector<OptionSpec> options;
  std::vector<const char*> examples;  // full command lines, "layerscope perf model.onnx"
};

// Options shared by the commands that run a model.
std::vector<OptionSpec> input_options();   // --input, --image, --mean, --std, --bgr
std::vector<OptionSpec> thread_options();  // --threads, --cores
std::vector<OptionSpec> join_options(std::initializer_list<std::vector<OptionSpec>> groups);

// The `layerscope <name> --help` text: usage, description, options, examples, exit codes.
std::string format_help(const CommandSpec& spec);

// Prints format_help(spec) on stdout; returns the exit code for a help request (0).
int print_help(const CommandSpec& spec);

// The exit-code paragraph shared by every help text (also in README.md).
extern const char* const kExitCodesHelp;

}  // namespace layerscope::cli
