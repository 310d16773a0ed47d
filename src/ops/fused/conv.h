// The fused convolutions made by passes/fuse_conv.cpp: Conv [+ Add of a residual] [+ one
// activation] as one node of the fused domain (kFusedDomain), named like the reference
// tool's layers: "Conv" + "Add" if a residual is added + the activation's ONNX name, e.g.
// "ConvRelu", "ConvAdd", "ConvAddRelu", "ConvClip", "ConvHardSwish", "ConvGelu".
//   inputs:     X, W, [B] (index 2, -1 when absent), [residual] (index 3, same shape as Y)
//   attributes: the Conv's, plus the activation's under their ONNX names (LeakyRelu/Elu/Swish
//               alpha; HardSigmoid alpha, beta; Clip min, max; Gelu approximate)
//   y = act(conv(X, W, B) + residual)
// The op definitions (ops/fused/conv.cpp) and the oneDNN kernel (post-ops) both read a node
// through conv_epilogue(), so they cannot disagree about what a fused node computes.
#pragma once
#include <optional>
#include <string>

#include "ir/graph.h"

namespace layerscope {

enum class Activation { None, Relu, LeakyRelu, Clip, Sigmoid, HardSigmoid, HardSwish, Elu, Tanh, Swish, Gelu };

inline constexpr int kConvResidualInput = 3;

// Every activation a fused conv may carry (None excluded), for registration loops.
inline constexpr Activation kFusableActivations[] = {
    Activation::Relu,      Activation::LeakyRelu, Activation::Clip, Activation::Sigmoid, Activation::HardSigmoid,
    Activation::HardSwish, Activation::Elu,       Activation::Tanh, Activation::Swish,   Activation::Gelu};

// The ONNX-style name used in op types: "Relu", "Clip", ..., "Swish" (x * Sigmoid(alpha x)), "Gelu".
const char* activation_name(Activation a);

struct ConvEpilogue {
  bool residual = false;
  Activation activation = Activation::None;
  // Activation parameters, defaults filled in: alpha (LeakyRelu, Elu, HardSigmoid, Swish),
  // beta (HardSigmoid), lo/hi (Clip), gelu_tanh (Gelu approximate = "tanh").
  float alpha = 0.f, beta = 0.f, lo = 0.f, hi = 0.f;
  bool gelu_tanh = false;
};

// "Conv" + "Add"? + activation name.
std::string fused_conv_op_type(bool residual, Activation a);
// What a node computes after its convolution, or nullopt when it is not a fused conv
// (plain ONNX Conv included).
std::optional<ConvEpilogue> conv_epilogue(const Node& node);

}  // namespace layerscope
