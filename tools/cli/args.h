// Minimal command-line parsing for the subcommands: positional arguments plus
// --flag VALUE / --flag=VALUE options (repeatable) and boolean --switches. An unknown option,
// a missing value or a malformed number throws UsageError (exit code 2).
#pragma once
#include <limits>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "help.h"

namespace layerscope::cli {

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class Args {
 public:
  // `valued`: options that take a value; `switches`: options that do not.
  Args(int argc, char** argv, int first, std::set<std::string> valued, std::set<std::string> switches);
  // The options of a subcommand's spec (argv[2] on). `--help` or `-h` anywhere sets help() and
  // skips everything else, so `layerscope perf --help` works without a MODEL.
  Args(int argc, char** argv, const CommandSpec& spec);

  bool help() const { return help_; }

  const std::vector<std::string>& positional() const { return positional_; }
  bool has(const std::string& name) const { return values_.count(name) != 0; }
  // The value of an option given at most once; a second occurrence is a UsageError (it would
  // silently win). Repeatable options are read with all().
  std::string get(const std::string& name, const std::string& dflt = "") const;
  std::vector<std::string> all(const std::string& name) const;
  // An integer option in [min_value, max_value]; anything else is a UsageError naming the bounds.
  int get_int(const std::string& name, int dflt, int min_value, int max_value = std::numeric_limits<int>::max()) const;

 private:
  void parse(int argc, char** argv, int first, const std::set<std::string>& valued,
             const std::set<std::string>& switches);

  bool help_ = false;
  std::vector<std::string> positional_;
  std::map<std::string, std::vector<std::string>> values_;
};

}  // namespace layerscope::cli
