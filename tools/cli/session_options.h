// --threads, --cores, --no-optimize and --max-memory, shared by every command that runs a model.
#pragma once
#include <string>
#include <vector>

#include "args.h"
#include "layerscope/session.h"

namespace layerscope::cli {

// "0,1", "0-1", "0,2-3" -> {0,1} / {0,1} / {0,2,3}, in the order written. Throws UsageError
// naming `option` on anything else (empty items, negative or reversed ranges, non-numbers).
// Whether the cores exist is checked by Session::load (against the allowed CPU set).
std::vector<int> parse_core_list(const std::string& text, const std::string& option);

// "4096", "512M", "1.5G", "2GiB", "100MB" -> bytes (K, M, G, T are powers of 1024). Throws
// UsageError naming `option` on anything else, zero included.
uint64_t parse_byte_size(const std::string& text, const std::string& option);

// SessionOptions from --threads N (0 = automatic), --cores LIST, --no-optimize and --max-memory.
SessionOptions session_options(const Args& args);

}  // namespace layerscope::cli
