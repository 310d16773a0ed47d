// The quantization family (ops/quant/): one registration function per file.
#pragma once
#include "ops/op_registry.h"

namespace layerscope {

void register_quantize_linear_ops(OpRegistry& r);  // QuantizeLinear, DequantizeLinear, DynamicQuantizeLinear
void register_integer_linear_ops(OpRegistry& r);   // ConvInteger, MatMulInteger, QLinearConv, QLinearMatMul
// com.microsoft: QLinearAdd, QLinearMul, QLinearSigmoid, QLinearLeakyRelu, QLinearGlobalAveragePool,
// QLinearConcat (contrib_qlinear.cpp) and QGemm (contrib_qgemm.cpp).
void register_contrib_qlinear_ops(OpRegistry& r);
void register_contrib_qgemm_op(OpRegistry& r);

}  // namespace layerscope
