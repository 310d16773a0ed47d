// The accuracy analysis itself (include/layerscope/accuracy.h): both models run on each sample,
// tensors matched, entire and single errors accumulated, then ranking, perf shares and the
// keep-float sensitivity.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "layerscope/accuracy.h"

namespace layerscope::accuracy {

struct SampleSource {
  int count = 0;
  // Loads sample i (0-based) as the models' inputs; throws Error naming the sample on failure.
  std::function<std::vector<NamedTensor>(int)> load;
};

// Throws Error (naming the file, node or sample) on failure.
AccuracyReport analyze(const std::string& float_model, const std::string& quant_model, const std::string& quant_bytes,
                       const SampleSource& samples, const AccuracyOptions& options);

}  // namespace layerscope::accuracy
