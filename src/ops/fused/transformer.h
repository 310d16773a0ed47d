// The fused transformer ops made by the passes fuse_gelu, fuse_layernorm, fuse_matmul_bias and
// fuse_attention: one node of the fused domain (kFusedDomain, opset 1) per pattern, named
// like the reference tool's fused layers. Each computes exactly what the ONNX nodes it replaces
// computed (their reference kernels are chained to form its reference):
//   Gelu          X -> X * Phi(X); attribute approximate = "none" | "tanh" (ONNX Gelu-20)
//   LayerNorm     X, Scale, [B]; attributes axis, epsilon (ONNX LayerNormalization-17)
//   MatMulAdd<A>  A [..., K], W [K, N], bias [N]:  act(A x W + bias); W and bias constant
//   Gemm<A>       ONNX Gemm's inputs and attributes, then act
//   SDPAttention  Q [..., Lq, D], K [..., Lk, D] (or with k_transposed = 1 K^T [..., D, Lk]),
//                 V [..., Lk, Dv], [mask, broadcastable to [..., Lq, Lk]]; attribute scale:
//                 softmax(Q K^T * scale + mask, last axis) V; Q, K, V share their batch dims.
//                 Q, K, V may be views of the inputs and the output written transposed
//                 (attributes q_slice, q_shape, q_perm, q_index, ..., out_perm: see
//                 ops/fused/attention_operands.h), which is how the head-split Transposes and the
//                 Slices of a fused QKV projection vanish.
// <A> is empty or the op type of an absorbed activation (every op with the activation trait,
// OpDef::activation: MatMulAddGelu, GemmRelu, ...), whose attributes the node carries (Gelu's
// approximate, Clip's min and max); Gemm<A> exists only for activations whose attribute names
// differ from Gemm's (alpha and beta rule out LeakyRelu, Elu and HardSigmoid). Their fusion
// trait (OpDef::fusion) has core "MatMul" or "Gemm" and the activation's post-ops.
#pragma once
#include <string>

#include "ops/op_def.h"

namespace layerscope {

enum class LinearBase { MatMulAdd, Gemm };

// "MatMulAdd" / "Gemm" + `activation` ("" for none).
std::string fused_linear_op_type(LinearBase base, const std::string& activation);

// SDPAttention's input slots.
inline constexpr int kAttnQ = 0, kAttnK = 1, kAttnV = 2, kAttnMask = 3;

}  // namespace layerscope
