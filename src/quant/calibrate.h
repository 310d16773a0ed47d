// Calibration: the model runs on layerscope's runtime (unoptimized plan, so every tensor
// exists under its ONNX name: Session::run_observed) over each dataset sample, and every
// wanted FLOAT tensor's statistics accumulate across the samples.
#pragma once
#include <map>
#include <set>
#include <string>

#include "layerscope/quantize.h"
#include "quant/tensor_stats.h"

namespace layerscope::quant {

struct Calibration {
  std::map<std::string, TensorStats> stats;  // wanted tensors computed as FLOAT
  int samples = 0;
};

// Throws Error naming the sample and input on a bad sample, and the tensor on non-finite values.
Calibration calibrate(const std::string& model_path, const std::string& dataset, const std::set<std::string>& wanted,
                      const QuantizeOptions& options, const QuantizeProgress& progress);

// The range of each calibrated tensor by `options.method`.
std::map<std::string, Range> calibrated_ranges(const Calibration& calibration, const QuantizeOptions& options);

}  // namespace layerscope::quant
