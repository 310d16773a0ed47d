#include "passes/float16_as_float32.h"

#include <algorithm>
#include <memory>
#include <set>

#include "ops/tensor/common.h"

namespace layerscope {

namespace {

constexpr int64_t kF16 = static_cast<int64_t>(DType::F16);
constexpr int64_t kF32 = static_cast<int64_t>(DType::F32);

Tensor to_float32(const Tensor& t) {
  Tensor f(DType::F32, t.shape());
  float* y = f.data_as<float>();
  const uint16_t* x = t.data_as<uint16_t>();
  for (int64_t i = 0; i < t.numel(); ++i) y[i] = f16_to_float(x[i]);
  return f;
}

int retype_body(Graph& body);

// The attributes that name an element type (Cast 'to', EyeLike/Random*/Bernoulli 'dtype',
// the windows' 'output_datatype', opset 1 Cast's type name) or hold a tensor: float16 to float32;
// a body (If, Loop, Scan) holding float16 becomes a float32 copy (retype_body).
int retype_attributes(Node& n) {
  int changes = 0;
  Attributes updated = n.attrs;
  for (const auto& [name, value] : n.attrs.all()) {
    const bool names_type = name == "to" || name == "dtype" || name == "output_datatype";
    if (const int64_t* code = std::get_if<int64_t>(&value); code && names_type && *code == kF16) {
      updated.set(name, kF32);
      ++changes;
    } else if (const std::string* s = std::get_if<std::string>(&value); s && name == "to" && *s == "FLOAT16") {
      updated.set(name, std::string("FLOAT"));
      ++changes;
    } else if (const Tensor* t = std::get_if<Tensor>(&value); t && t->dtype() == DType::F16) {
      updated.set(name, to_float32(*t));
      ++changes;
    } else if (const GraphAttr* body = std::get_if<GraphAttr>(&value); body && body->graph) {
      Graph copy = *body->graph;
      if (retype_body(copy) > 0) {
        updated.set(name, GraphAttr{std::make_shared<const Graph>(std::move(copy))});
        ++changes;
      }
    }
  }
  n.attrs = std::move(updated);
  return changes;
}

// A body computes in float32 throughout, its inputs and outputs too: the enclosing graph hands
// it float32 values and takes float32 results (its own float16 values were converted).
int retype_body(Graph& body) {
  int changes = 0;
  for (Value& v : body.values) {
    if (v.dtype != DType::F16) continue;
    if (v.constant) v.constant = to_float32(*v.constant);
    v.dtype = DType::F32;
    ++changes;
  }
  for (Node& n : body.nodes) changes += retype_attributes(n);
  return changes;
}

bool holds_float16(const Graph& g) {
  for (const Value& v : g.values)
    if (v.dtype == DType::F16) return true;
  for (Node n : g.nodes)
    if (retype_attributes(n) > 0) return true;
  return false;
}

Node cast_node(const Graph& g, int from, int to, DType target, int opset) {
  Node n;
  n.op_type = "Cast";
  n.opset = opset;
  n.name = g.values[to].name + "/cast_" + (target == DType::F32 ? "float32" : "float16");
  n.inputs = {from};
  n.outputs = {to};
  n.attrs.set("to", static_cast<int64_t>(target));
  n.source_names = {n.name};
  return n;
}

// Every node input reading `from` reads `to` instead.
void rewire_consumers(Graph& g, int from, int to) {
  for (Node& n : g.nodes) std::replace(n.inputs.begin(), n.inputs.end(), from, to);
}

}  // namespace

int compute_float16_in_float32(Graph& g) {
  if (!holds_float16(g)) return 0;
  int opset = 13;  // Cast's opset: the model's ai.onnx opset when it has one
  for (const Node& n : g.nodes)
    if (n.domain.empty()) opset = std::max(opset, n.opset);
  int changes = 0;
  std::set<int> sources(g.inputs.begin(), g.inputs.end());
  sources.insert(g.default_inputs.begin(), g.default_inputs.end());
  const size_t original_nodes = g.nodes.size();

  // Graph outputs computed by a node: the node writes a float32 value, a Cast makes the output.
  for (int out : g.outputs) {
    if (g.values[out].dtype != DType::F16 || sources.count(out) || g.values[out].constant) continue;
    const int inner = g.add_value(g.values[out].name + "/float32");
    g.values[inner].dtype = DType::F32;
    for (size_t i = 0; i < original_nodes; ++i) {
      std::replace(g.nodes[i].outputs.begin(), g.nodes[i].outputs.end(), out, inner);
      std::replace(g.nodes[i].inputs.begin(), g.nodes[i].inputs.end(), out, inner);
    }
    g.nodes.push_back(cast_node(g, inner, out, DType::F16, opset));
    ++changes;
  }
  // Graph inputs: a Cast to float32 that every consumer reads instead.
  for (int in : sources) {
    if (g.values[in].dtype != DType::F16) continue;
    const int inner = g.add_value(g.values[in].name + "/float32");
    g.values[inner].dtype = DType::F32;
    rewire_consumers(g, in, inner);
    g.nodes.push_back(cast_node(g, in, inner, DType::F32, opset));
    ++changes;
  }
  // Weights and constants once now; declared intermediate types follow.
  const std::set<int> outputs(g.outputs.begin(), g.outputs.end());
  for (size_t v = 0; v < g.values.size(); ++v) {
    Value& value = g.values[v];
    if (value.dtype != DType::F16 || sources.count(static_cast<int>(v))) continue;
    if (value.constant) {
      if (outputs.count(static_cast<int>(v))) continue;  // a constant graph output keeps its type
      value.constant = to_float32(*value.constant);
    } else if (outputs.count(static_cast<int>(v))) {
      continue;  // made by its Cast above
    }
    value.dtype = DType::F32;
    ++changes;
  }
  for (size_t i = 0; i < original_nodes; ++i) changes += retype_attributes(g.nodes[i]);
  return changes;
}

}  // namespace layerscope
