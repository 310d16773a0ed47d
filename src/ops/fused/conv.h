// The fused convolutions made by passes/fuse_conv.cpp: Conv [+ Add of a residual] [+ one
// activation] as one node of the fused domain (kFusedDomain), named like the reference tool's
// layers: "Conv" + "Add" if a residual is added + the activation's op type, e.g. "ConvRelu",
// "ConvAdd", "ConvAddRelu", "ConvClip", "ConvHardSwish", "ConvGelu", "ConvSwish".
//   inputs:     X, W, [B] (index 2, -1 when absent), [residual] (index 3, same shape as Y)
//   attributes: the Conv's, plus the activation's as its definition takes them (Clip's min and
//               max, LeakyRelu's alpha, Gelu's approximate, ...)
//   y = act(conv(X, W, B) + residual)
// There is one such op for every op with the activation trait (OpDef::activation), registered
// from it, and for "Swish", the SiLU pattern x * Sigmoid(x) that fuse_conv matches. Each fused
// op's fusion trait (core "Conv") gives kernels the activation's post-ops: adding an activation
// to its family is enough to make it fusable here.
#pragma once
#include <string>

#include "ops/op_def.h"

namespace layerscope {

inline constexpr int kConvResidualInput = 3;

// The activation name of the SiLU pattern, x * Sigmoid(x) (oneDNN's swish with alpha = 1).
inline constexpr const char* kSwishActivation = "Swish";

// "Conv" + "Add" when `residual` + `activation` ("" for none).
std::string fused_conv_op_type(bool residual, const std::string& activation);

// What a fused convolution computes after the convolution.
struct ConvEpilogue {
  bool residual = false;
  PostOps activation;  // empty: none
};
// The epilogue of node `n` of a fused convolution op whose fusion trait is `fusion`.
ConvEpilogue conv_epilogue(const FusionTrait& fusion, const Node& n);

}  // namespace layerscope
