#include "session_options.h"

#include <cctype>

namespace layerscope::cli {

namespace {

// A non-negative decimal core id; no signs, spaces or other characters.
int core_id(const std::string& item, const std::string& text, const std::string& option) {
  bool digits = !item.empty() && item.size() <= 6;
  for (char c : item) digits = digits && std::isdigit(static_cast<unsigned char>(c));
  if (!digits) throw UsageError("--" + option + " expects core ids like 0,1 or ranges like 0-3, got '" + text + "'");
  return std::stoi(item);
}

}  // namespace

uint64_t parse_byte_size(const std::string& text, const std::string& option) {
  const auto bad = [&] {
    return UsageError("--" + option + " expects a size like 4096, 512M or 1.5G, got '" + text + "'");
  };
  size_t pos = 0;
  while (pos < text.size() && (std::isdigit(static_cast<unsigned char>(text[pos])) || text[pos] == '.')) ++pos;
  if (pos == 0) throw bad();
  double number = 0;
  try {
    size_t used = 0;
    number = std::stod(text.substr(0, pos), &used);
    if (used != pos) throw bad();
  } catch (const std::logic_error&) {
    throw bad();
  }
  std::string unit = text.substr(pos);
  for (char& c : unit) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (unit.size() > 1 && unit.back() == 'B') unit.pop_back();  // MB, MIB -> M, MI
  if (unit.size() > 1 && unit.back() == 'I') unit.pop_back();  // MI -> M
  static const std::string kUnits = "KMGT";
  double scale = 1;
  if (unit == "B" || unit.empty()) scale = 1;
  else if (unit.size() == 1 && kUnits.find(unit[0]) != std::string::npos)
    scale = static_cast<double>(uint64_t{1} << (10 * (kUnits.find(unit[0]) + 1)));
  else throw bad();
  const double bytes = number * scale;
  if (!(bytes >= 1) || bytes > 9.0e18)
    throw UsageError("--" + option + " must be between 1 byte and 8 EiB, got '" + text + "'");
  return static_cast<uint64_t>(bytes);
}

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
  // 0 = automatic; the library's bound: libgomp fails or crashes creating tens of thousands.
  opts.threads = args.get_int("threads", 0, 0, kMaxThreads);
  if (args.has("cores")) opts.cores = parse_core_list(args.get("cores"), "cores");
  opts.optimize = !args.has("no-optimize");
  if (args.has("max-memory")) opts.max_memory_bytes = parse_byte_size(args.get("max-memory"), "max-memory");
  return opts;
}

}  // namespace layerscope::cli
