// Model inputs for the CLI: .npy files given with --input NAME=FILE, or fixed-seed random
// tensors for the inputs not given (announced on stderr so nobody mistakes them for data).
#pragma once
#include <string>
#include <vector>

#include "args.h"
#include "layerscope/session.h"

namespace layerscope::cli {

// Builds every model input. Throws UsageError / std::runtime_error with a clear message.
std::vector<NamedTensor> prepare_inputs(const Session& session, const Args& args);

// "output:0" -> "output_0": characters unsafe in file names become '_'.
std::string safe_file_name(const std::string& name);

}  // namespace layerscope::cli
