// Post-ops: an activation as a convolution or matmul applies it to each output element while it
// is still in registers, described in our own words so that ops/ never needs oneDNN:
//   - Eltwise names every forward eltwise algorithm of oneDNN 2.6 (the kernels/onednn/post_ops.cpp
//     table maps each to its dnnl::algorithm, so a new activation needs no kernel edit);
//   - an activation is a short list of steps y = f(y; alpha, beta), applied in order (most
//     are one step; HardSigmoid is two: linear, then clip to [0, 1]);
//   - apply_post_ops() is what each algorithm computes, in plain C++: native kernels use it, and
//     tests check every activation's steps against the op's own reference kernel with it.
// Ops state their steps through OpDef::activation (op_def.h).
#pragma once
#include <cstdint>
#include <vector>

namespace layerscope {

enum class Eltwise {
  Relu,         // x > 0 ? x : alpha x; with alpha 0, max(0, x) (0 for -inf, as ONNX's Relu)
  Tanh,         // tanh x
  Elu,          // x > 0 ? x : alpha (e^x - 1)
  Square,       // x^2
  Abs,          // |x|
  Sqrt,         // sqrt x
  Swish,        // x / (1 + e^(-alpha x))
  Linear,       // alpha x + beta
  BoundedRelu,  // min(alpha, max(0, x))
  SoftRelu,     // log(1 + e^x) (oneDNN 2.6 takes no alpha)
  LogSigmoid,   // -log(1 + e^-x)
  Mish,         // x tanh(log(1 + e^x))
  Logistic,     // 1 / (1 + e^-x)
  Exp,          // e^x
  GeluTanh,     // x/2 (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
  GeluErf,      // x/2 (1 + erf(x / sqrt 2))
  Log,          // ln x
  Clip,         // min(beta, max(alpha, x)) (differs from ClipV2 only in training's backward pass)
  ClipV2,       // min(beta, max(alpha, x))
  Pow,          // alpha x^beta
  Round,        // nearest integer, halves to even
  HardSwish,    // x min(1, max(0, x / 6 + 1/2)) (oneDNN 2.6 takes no alpha, beta)
};
inline constexpr int kEltwiseCount = static_cast<int>(Eltwise::HardSwish) + 1;

// "relu", "gelu_erf", ...: oneDNN's own names without the "eltwise_" prefix.
const char* eltwise_name(Eltwise e);

struct EltwiseStep {
  Eltwise algorithm;
  float alpha = 0.f;
  float beta = 0.f;
};
using PostOps = std::vector<EltwiseStep>;

// y[i] = steps(y[i]) for i < n, in float, with the formulas above. A NaN reaching Relu or a
// clip comes out as its lower bound, as from oneDNN's post-ops.
void apply_post_ops(const PostOps& steps, float* y, int64_t n);

}  // namespace layerscope
