#include "util/text.h"

#include <cstdio>

namespace layerscope {

std::string bytes_text(double bytes) {
  static const char* const kUnits[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  if (bytes < 1024.0) return std::to_string(static_cast<int64_t>(bytes)) + " B";
  int unit = -1;
  while (bytes >= 1024.0 && unit < 5) {
    bytes /= 1024.0;
    ++unit;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f %s", bytes, kUnits[unit]);
  return buf;
}

}  // namespace layerscope
