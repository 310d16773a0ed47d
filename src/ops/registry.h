// Registry: the explicit list of operators (OpDefs) and kernels the runtime knows.
// Each op family registers itself from one function (register_*_ops), called from
// register_builtin(); nothing self-registers statically.
#pragma once
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "kernels/kernel.h"
#include "ops/op_def.h"

namespace layerscope {

class Registry {
 public:
  void add_op(OpDef def);
  void add_kernel(KernelDef def);

  // The definition of (domain, op_type) covering `opset`, or nullptr.
  const OpDef* find_op(const std::string& domain, const std::string& op_type, int opset) const;
  // attribute_problem() (op_def.h) for `n` against its OpDef, naming the opsets in which an
  // unknown attribute would be accepted; "" when it has no problem or no OpDef.
  std::string attribute_problem(const Node& n) const;
  // "opsets 1-12, 13-17" or "" when the op is unknown: for error messages.
  std::string supported_opsets(const std::string& domain, const std::string& op_type) const;
  // Kernels registered for (domain, op_type), highest priority first.
  std::vector<const KernelDef*> kernels_for(const std::string& domain, const std::string& op_type) const;
  // All (domain, op_type) pairs with at least one OpDef.
  std::vector<std::pair<std::string, std::string>> op_names() const;
  // Every OpDef, grouped by (domain, op_type), each group by opset.
  std::vector<const OpDef*> all_ops() const;

  // The process-wide registry with every built-in op and kernel.
  static const Registry& builtin();

 private:
  std::map<std::pair<std::string, std::string>, std::vector<OpDef>> ops_;
  std::map<std::pair<std::string, std::string>, std::vector<KernelDef>> kernels_;
};

// One function per op family (src/ops/<family>/) and per kernel backend.
void register_elementwise_ops(Registry& r);
void register_shape_ops(Registry& r);
void register_tensor_ops(Registry& r);
void register_nn_ops(Registry& r);
void register_reduce_ops(Registry& r);
// Ops only graph passes create (the fused domain, kFusedDomain): fused convolutions and Reorder. After the families.
void register_fused_conv_ops(Registry& r);
// Fused transformer ops (ops/fused/transformer.h): Gelu, LayerNorm, MatMulAdd*, Gemm*, SDPAttention.
void register_fused_transformer_ops(Registry& r);
void register_native_kernels(Registry& r);
void register_onednn_kernels(Registry& r);

}  // namespace layerscope
