// What a report row says about quantization, read from its op type and DataType alone, so the
// profiler, the findings and the comparison of two reports agree on it (a report read back from
// perf.json has nothing else).
#pragma once
#include <string>

namespace layerscope {

// The DataType of a layer whose MACs run on the integer dot-product units (INT8, UINT8): its
// compute roof is the measured int8 peak, not the fp32 one.
bool computes_in_int8(const std::string& data_type);

// QuantizeLinear, DequantizeLinear, DynamicQuantizeLinear: the conversions between float and
// integers. A quantized model has them where a float model has nothing, so they have no twin in
// the float model's report.
bool is_quant_conversion(const std::string& op_type);

}  // namespace layerscope
