// OpRegistry: the explicit list of operator definitions (OpDefs) the runtime knows. Each op
// family registers its ops from one function (register_*_ops, in src/ops/<family>/), called in
// order by register_builtin_ops(); nothing self-registers statically. Kernels are registered
// apart (kernels/kernel_registry.h); registry/registry.h holds both.
#pragma once
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "ops/op_def.h"

namespace layerscope {

class OpRegistry {
 public:
  void add_op(OpDef def);

  // The definition of (domain, op_type) covering `opset`, or nullptr.
  const OpDef* find_op(const std::string& domain, const std::string& op_type, int opset) const;
  // attribute_problem() (op_def.h) for `n` against its OpDef, naming the opsets in which an
  // unknown attribute would be accepted; "" when it has no problem or no OpDef.
  std::string attribute_problem(const Node& n) const;
  // "opsets 1-12, 13-17" or "" when the op is unknown: for error messages.
  std::string supported_opsets(const std::string& domain, const std::string& op_type) const;
  // All (domain, op_type) pairs with at least one OpDef.
  std::vector<std::pair<std::string, std::string>> op_names() const;
  // Every OpDef, grouped by (domain, op_type), each group by opset.
  std::vector<const OpDef*> all_ops() const;

 private:
  std::map<std::pair<std::string, std::string>, std::vector<OpDef>> ops_;
};

// One function per op family (src/ops/<family>/).
void register_elementwise_ops(OpRegistry& r);
void register_shape_ops(OpRegistry& r);
void register_tensor_ops(OpRegistry& r);
void register_nn_ops(OpRegistry& r);
void register_reduce_ops(OpRegistry& r);
// If, Loop, Scan (ops/control/): ops whose bodies the executor runs.
void register_control_ops(OpRegistry& r);
// SequenceConstruct ... SequenceMap, Optional, OptionalHasElement, OptionalGetElement
// (ops/sequence/): ops over sequences of tensors and optionals, run as value steps.
void register_sequence_ops(OpRegistry& r);
// QuantizeLinear, DequantizeLinear, the QLinear*/Integer ops and onnxruntime's com.microsoft
// quantized ops (ops/quant/).
void register_quant_ops(OpRegistry& r);
// DFT, STFT, the window functions and MelWeightMatrix (ops/signal/).
void register_signal_ops(OpRegistry& r);
// RandomUniform/Normal(Like), Bernoulli, Multinomial: seeded per node (ops/random/random.cpp).
void register_random_ops(OpRegistry& r);
// ImageDecoder (ops/image/): encoded images to pixels, through the decoders of image/.
void register_image_ops(OpRegistry& r);
// Ops only graph passes create (the fused domain, kFusedDomain), built from the families' ops,
// so registered after them: fused convolutions and Reorder (ops/fused/conv.cpp), ...
void register_fused_conv_ops(OpRegistry& r);
// ... and the fused transformer ops (ops/fused/transformer.h): Gelu, LayerNorm, MatMulAdd*,
// Gemm*, SDPAttention.
void register_fused_transformer_ops(OpRegistry& r);

// Every family above, in order.
void register_builtin_ops(OpRegistry& r);

}  // namespace layerscope
