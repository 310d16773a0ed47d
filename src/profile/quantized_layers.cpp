#include "profile/quantized_layers.h"

namespace layerscope {

bool computes_in_int8(const std::string& data_type) { return data_type == "INT8" || data_type == "UINT8"; }

bool is_quant_conversion(const std::string& op_type) {
  return op_type == "QuantizeLinear" || op_type == "DequantizeLinear" || op_type == "DynamicQuantizeLinear";
}

}  // namespace layerscope
