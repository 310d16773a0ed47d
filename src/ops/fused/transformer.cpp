// register_fused_transformer_ops: the ops of fused/transformer.h. Gelu and LayerNorm are the
// ONNX definitions (Gelu-20, LayerNormalization-17) under the fused domain: the passes give
// them the same inputs and attributes, so inference, cost and reference carry over unchanged
// (and so do the kernels, see kernels/*/fused_*). The linear layers and attention have their
// own files.
#include "ops/fused/transformer.h"

#include "ops/fused/reference.h"

namespace layerscope {

void register_fused_linear_ops(OpRegistry& r);     // ops/fused/linear.cpp
void register_fused_attention_ops(OpRegistry& r);  // ops/fused/attention.cpp

namespace {

void add_renamed(OpRegistry& r, const char* onnx_type, int opset, const char* fused_type) {
  OpDef d = fused_ref::onnx_op(r, onnx_type, opset);
  d.domain = kFusedDomain;
  d.op_type = fused_type;
  d.since = 1;
  d.until = INT_MAX;
  d.attributes = attributes_at(d, opset);
  r.add_op(std::move(d));
}

}  // namespace

void register_fused_transformer_ops(OpRegistry& r) {
  add_renamed(r, "Gelu", 20, "Gelu");
  add_renamed(r, "LayerNormalization", 17, "LayerNorm");
  register_fused_linear_ops(r);
  register_fused_attention_ops(r);
}

}  // namespace layerscope
