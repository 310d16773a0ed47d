// Small text helpers shared by every layer (error messages, reports).
#pragma once
#include <cstdint>
#include <string>

namespace layerscope {

// A byte count for people: "512 B", "3.00 KiB", "12.25 MiB", "1.50 GiB", "2.00 TiB".
std::string bytes_text(double bytes);

}  // namespace layerscope
