// The passes (one file each, src/passes/<name>.cpp). Listed in order in pass.cpp.
#pragma once
#include "passes/pass.h"

namespace layerscope {

// Identity and inference-time Dropout forward their input: consumers read the input directly.
int remove_identity_pass(PassContext& ctx);
// Conv -> BatchNormalization with constant parameters: the BN becomes Conv weights and bias.
int fold_batchnorm_into_conv_pass(PassContext& ctx);
// fuse_qdq.cpp: QDQ patterns -> QLinearConv, QLinearAdd, QLinearGlobalAveragePool, int8 MaxPool.
int fuse_qdq_pass(PassContext& ctx);
// fold_weight_dequantize.cpp: without an int8 dot product, DequantizeLinear of constants (QDQ
// weights, biases) -> float constants before the fusions and layouts see the graph.
int fold_weight_dequantize_pass(PassContext& ctx);
// expand_qoperator.cpp: without an int8 dot product, QOperator nodes no optimised kernel takes
// -> DequantizeLinear -> the float op -> QuantizeLinear, weights dequantized once.
int expand_qoperator_pass(PassContext& ctx);
// merge_duplicate_conversions.cpp: DequantizeLinear / QuantizeLinear nodes computing the same
// tensor (same inputs and attributes) -> one.
int merge_duplicate_conversions_pass(PassContext& ctx);
// uint8_activations.cpp: int8 activations between quantized ops retyped to uint8 (zero point + 128).
int uint8_activations_pass(PassContext& ctx);
// Transpose(Transpose) -> one Transpose (or none); Reshape(Reshape) -> one Reshape.
int simplify_transpose_reshape_pass(PassContext& ctx);
// The GELU formulas (erf and tanh forms, any operand order) -> one fused Gelu node.
int fuse_gelu_pass(PassContext& ctx);
// ReduceMean/Sub/Pow/ReduceMean/Add/Sqrt/Div[/Mul/Add] -> one fused LayerNorm node.
int fuse_layernorm_pass(PassContext& ctx);
// MatMul(Q, K^T) [*scale] [+mask] -> Softmax -> MatMul(V) -> one fused SDPAttention node.
int fuse_attention_pass(PassContext& ctx);
// MatMul(constant W) + Add(constant bias) [+ activation] -> MatMulAdd[Act]; Gemm + activation -> Gemm<Act>.
int fuse_matmul_bias_pass(PassContext& ctx);
// Conv [-> Add residual] [-> activation] -> one fused node (ConvRelu, ConvAddRelu, ...).
int fuse_conv_activation_pass(PassContext& ctx);
// Buffer layouts (nChw16c, NHWC, ...) the kernels prefer, with explicit Reorder nodes between
// layouts. Must be the last pass.
int assign_layouts_pass(PassContext& ctx);

}  // namespace layerscope
