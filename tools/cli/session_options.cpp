#include "session_options.h"

#include <cctype>

namespace layerscope::cli {

namespace {

// A non-negative decimal core id; no signs, spaces or other characters.
int core_id(const std::string& item, const std::string& text, const std::string& option) {
  bool digits = !item.empty() && item.size() <= 6;
  for (char c : item) digits = digits && std::isdigit(static_cast<unsigned char>(c));
  if (!digits)
    throw UsageError("--" + option + " expects core ids like 0,1 or ranges like 0-3, got '" + text + "'");
  return std::stoi(item);
}

}  // namespace

std::vector<int> parse_core_list(const std::string& text, const std::string& option) {
  std::vector<int> cores;
  size_t pos = 0;
  while (true) {
    const size_t comma = text.find(',', pos);
    const std::string item = text.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    const size_t dash = item.find('-');
    if (dash == std::string::npos) {
      cores.push_back(core_id(item, text, option));
    } else {
      const int first = core_id(item.substr(0, dash), text, option);
      const int last = core_id(item.substr(dash + 1), text, option);
      if (last < first) throw UsageError("--" + option + ": range '" + item + "' runs backwards");
      for (int c = first; c <= last; ++c) cores.push_back(c);
    }
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  return cores;
}

SessionOptions session_options(const Args& args) {
  SessionOptions opts;
  opts.threads = args.get_int("threads", 0, 0);
  if (args.has("cores")) opts.cores = parse_core_list(args.get("cores"), "cores");
  opts.optimize = !args.has("no-optimize");
  return opts;
}

}  // namespace layerscope::cli
