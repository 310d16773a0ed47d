// NumPy .npy files (format versions 1.0-3.0, little-endian, C order): the exchange format of
// the CLI and the examples.
#pragma once
#include <string>

#include "layerscope/status.h"
#include "layerscope/tensor.h"

namespace layerscope {

Status load_npy(const std::string& path, Tensor* out);
// Writes atomically: a temporary file in the same folder, renamed over `path` when complete,
// so a failure never leaves a half-written file behind.
Status save_npy(const std::string& path, const Tensor& tensor);

}  // namespace layerscope
