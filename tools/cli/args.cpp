#include "args.h"

namespace layerscope::cli {

Args::Args(int argc, char** argv, int first, std::set<std::string> valued, std::set<std::string> switches) {
  parse(argc, argv, first, valued, switches);
}

Args::Args(int argc, char** argv, const CommandSpec& spec) {
  for (int i = 2; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      help_ = true;
      return;
    }
  }
  std::set<std::string> valued, switches;
  for (const OptionSpec& o : spec.options) (o.value ? valued : switches).insert(o.name);
  parse(argc, argv, 2, valued, switches);
  // Before any work starts: an option given twice would silently take its last value.
  for (const OptionSpec& o : spec.options)
    if (o.value && !o.repeatable) (void)get(o.name);
}

void Args::parse(int argc, char** argv, int first, const std::set<std::string>& valued,
                 const std::set<std::string>& switches) {
  for (int i = first; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--", 0) != 0 || a == "--") {
      positional_.push_back(a);
      continue;
    }
    std::string name = a.substr(2), value;
    size_t eq = name.find('=');
    bool inline_value = eq != std::string::npos;
    if (inline_value) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    if (switches.count(name)) {
      if (inline_value) throw UsageError("option --" + name + " takes no value");
      values_[name].push_back("1");
    } else if (valued.count(name)) {
      if (!inline_value) {
        if (i + 1 >= argc) throw UsageError("option --" + name + " needs a value");
        value = argv[++i];
      }
      values_[name].push_back(value);
    } else {
      throw UsageError("unknown option --" + name);
    }
  }
}

std::string Args::get(const std::string& name, const std::string& dflt) const {
  auto it = values_.find(name);
  if (it == values_.end()) return dflt;
  // A second value would silently replace the first: say so instead.
  if (it->second.size() > 1)
    throw UsageError("option --" + name + " is given " + std::to_string(it->second.size()) + " times ('" +
                     it->second[0] + "', '" + it->second[1] + "'); give it once");
  return it->second.back();
}

std::vector<std::string> Args::all(const std::string& name) const {
  auto it = values_.find(name);
  return it == values_.end() ? std::vector<std::string>{} : it->second;
}

int Args::get_int(const std::string& name, int dflt, int min_value, int max_value) const {
  if (!has(name)) return dflt;
  std::string v = get(name);
  size_t pos = 0;
  int n = 0;
  try {
    n = std::stoi(v, &pos);
  } catch (...) {
    pos = 0;
  }
  if (pos != v.size() || v.empty()) throw UsageError("--" + name + " expects an integer, got '" + v + "'");
  if (n < min_value) throw UsageError("--" + name + " must be at least " + std::to_string(min_value));
  if (n > max_value) throw UsageError("--" + name + " must be at most " + std::to_string(max_value) + ", got " + v);
  return n;
}

}  // namespace layerscope::cli
