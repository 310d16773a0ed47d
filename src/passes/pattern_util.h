// Small matching helpers shared by the fusion passes (fuse_gelu, fuse_layernorm,
// fuse_matmul_bias, fuse_attention, fuse_conv, simplify_transpose_reshape).
#pragma once
#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "passes/graph_index.h"
#include "passes/pass.h"

namespace layerscope::pattern {

// An ONNX-domain node of type `op_type`.
inline bool is_op(const Node& n, const char* op_type) { return n.domain.empty() && n.op_type == op_type; }

// The value of a float32 constant holding one element (any rank), if `v` is one.
inline std::optional<float> scalar_constant(const Graph& g, int v) {
  if (v < 0 || !g.values[v].constant) return std::nullopt;
  const Tensor& t = *g.values[v].constant;
  if (t.dtype() != DType::F32 || t.numel() != 1) return std::nullopt;
  return *t.data_as<float>();
}

// Input `i` of `n` when it is present and a constant, else null.
inline const Tensor* constant_input(const Graph& g, const Node& n, size_t i) {
  if (n.inputs.size() <= i || n.inputs[i] < 0) return nullptr;
  const auto& c = g.values[n.inputs[i]].constant;
  return c ? &*c : nullptr;
}

// `value` is within `rel` (relative) of `expected`: exporters write constants such as sqrt(2)
// or sqrt(2/pi) with more or fewer digits.
inline bool near(float value, double expected, double rel = 1e-4) {
  return std::fabs(value - expected) <= rel * std::fabs(expected);
}

// For a two-input node reading `v`, the other input (-1 if `v` is not an input).
inline int other_input(const Node& n, int v) {
  if (n.inputs.size() != 2) return -1;
  if (n.inputs[0] == v) return n.inputs[1];
  if (n.inputs[1] == v) return n.inputs[0];
  return -1;
}

// The node that alone consumes `v` (and `v` is not a graph output), if it is an ONNX `op_type`
// node not yet absorbed by another rewrite of this pass.
inline int sole_user(const Graph& g, const GraphIndex& idx, const std::vector<bool>& dead, int v, const char* op_type) {
  const int n = idx.sole_consumer(v);
  if (n < 0 || dead[n] || !is_op(g.nodes[n], op_type) || g.nodes[n].outputs.size() != 1) return -1;
  return n;
}

// The producer of `v` if it is an ONNX `op_type` node not yet absorbed, else -1.
inline int producer_op(const Graph& g, const GraphIndex& idx, const std::vector<bool>& dead, int v,
                       const char* op_type) {
  if (v < 0) return -1;
  const int n = idx.producer(v);
  if (n < 0 || dead[n] || !is_op(g.nodes[n], op_type)) return -1;
  return n;
}

// Some node of a match was already absorbed by an earlier rewrite of this pass.
inline bool any_dead(const std::vector<bool>& dead, const std::vector<int>& nodes) {
  for (int n : nodes)
    if (dead[n]) return true;
  return false;
}

// An activation node as a fused node absorbs it: its op type (the suffix of the fused op's type)
// and the attributes the fused node carries for it.
struct Activation {
  std::string op_type;
  Attributes attrs;
};

// Node `a` as an activation a convolution or matmul can absorb: its op has the activation trait
// (OpDef::activation) and every parameter is known now (Clip's bounds are constants).
inline std::optional<Activation> as_activation(const PassContext& ctx, const Node& a) {
  const OpDef* def = ctx.registry.find_op(a.domain, a.op_type, a.opset);
  if (!def || !def->activation || a.inputs.empty() || a.outputs.size() != 1) return std::nullopt;
  if (!def->activation->attributes_of) return Activation{a.op_type, a.attrs};
  std::vector<const Tensor*> constants;
  for (int v : a.inputs)
    constants.push_back(v >= 0 && ctx.graph.values[v].constant ? &*ctx.graph.values[v].constant : nullptr);
  std::optional<Attributes> attrs = def->activation->attributes_of(a, constants);
  if (!attrs) return std::nullopt;
  return Activation{a.op_type, std::move(*attrs)};
}

// Copies into `to` the attributes of `act` that the fused op `fused_def` declares (those of the
// activation's definition; a legacy consumed_inputs is dropped).
inline void copy_activation_attrs(const OpDef& fused_def, const Activation& act, Attributes& to) {
  for (const auto& [name, value] : act.attrs.all())
    for (const AttrSpec& s : fused_def.attributes)
      if (s.name == name) to.set(name, value);
}

// What a matched pattern becomes: one node of the fused domain (kFusedDomain).
struct FusedNode {
  std::string op_type;
  Attributes attrs;
  std::vector<int> inputs, outputs;
};

// Rewrites node `keep` into `f`, naming it after every node of `matched` (in that order, `keep`
// among them: source_names keep each original layer), and marks the others dead.
inline void become_fused(Graph& g, std::vector<bool>& dead, int keep, const std::vector<int>& matched, FusedNode f) {
  std::vector<std::string> sources;
  for (int k : matched) append_sources(sources, g.nodes[k].source_names);
  Node& n = g.nodes[keep];
  n.op_type = std::move(f.op_type);
  n.domain = kFusedDomain;
  n.opset = 1;
  n.attrs = std::move(f.attrs);
  n.inputs = std::move(f.inputs);
  n.outputs = std::move(f.outputs);
  n.source_names = std::move(sources);
  for (int k : matched)
    if (k != keep) dead[k] = true;
}

}  // namespace layerscope::pattern
