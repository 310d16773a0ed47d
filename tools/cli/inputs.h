// Model inputs for the CLI: .npy files given with --input NAME=FILE, or fixed-seed random
// tensors for the inputs not given (announced on stderr so nobody mistakes them for data).
#pragma once
#include <string>
#include <vector>

#include "args.h"
#include "layerscope/image.h"
#include "layerscope/session.h"

namespace layerscope::cli {

// Builds every model input. Throws UsageError / std::runtime_error with a clear message.
std::vector<NamedTensor> prepare_inputs(const Session& session, const Args& args);

// --mean, --std and --bgr as an image preprocessing (defaults: 0, 1, RGB). Throws UsageError on
// malformed numbers.
ImagePreprocess image_preprocess(const Args& args);

// Longest file name stem safe_file_name() keeps (file systems allow 255 bytes per name).
constexpr size_t kMaxFileStem = 200;

// "output:0" -> "output_0": bytes other than letters, digits, '-', '_' and '.' become '_', a
// leading '.' too; an empty name becomes "output"; at most kMaxFileStem bytes are kept.
std::string safe_file_name(const std::string& name);

// The .npy file name of each output (same order): safe_file_name(name) + ".npy", except that
// outputs whose safe names coincide ("a/b" and "a_b") all get "~<position in the model's
// output list>" appended ("a_b~0.npy", "a_b~1.npy"): unique, and predictable from the model.
std::vector<std::string> output_file_names(const std::vector<std::string>& output_names);

}  // namespace layerscope::cli
