// --sensitivity: each quantized layer kept in float in turn (its input QuantizeLinear /
// DequantizeLinear removed and its float weights restored from the float model), the final
// outputs' cosine with it, then the greedy keep-float list that reaches the target.
#pragma once
#include <string>
#include <vector>

#include "accuracy/analysis.h"
#include "accuracy/quant_graph.h"

namespace layerscope::accuracy {

// Fills report->sensitivity, keep_float, keep_float_output_cosine, target_reached,
// baseline_output_cosine and quantize_command. `float_outputs[i]` are the float model's outputs
// on sample i (the reference).
void run_sensitivity(const QuantGraph& graph, const std::string& float_model, const std::string& quant_model,
                     const std::string& quant_bytes, const SampleSource& samples,
                     const std::vector<std::vector<NamedTensor>>& float_outputs, const AccuracyOptions& options,
                     AccuracyReport* report);

}  // namespace layerscope::accuracy
