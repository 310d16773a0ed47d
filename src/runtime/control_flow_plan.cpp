#include "runtime/control_flow_plan.h"

#include <algorithm>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

namespace layerscope {
namespace {

// The branch an If takes when its cond is a constant, or nullptr (not an If, cond not known,
// or a malformed node, which infer() reports when the If runs).
const Graph* known_branch(const Graph& g, const Node& n) {
  if (n.op_type != "If" || !n.domain.empty() || n.inputs.empty() || n.inputs[0] < 0) return nullptr;
  const auto& cond = g.values[n.inputs[0]].constant;
  if (!cond || cond->dtype() != DType::Bool || cond->numel() != 1) return nullptr;
  const Graph* branch = n.attrs.get_graph(*cond->data_as<bool>() ? "then_branch" : "else_branch");
  if (!branch || branch->outputs.size() != n.outputs.size() ||
      static_cast<int>(branch->inputs.size()) != n.implicit_inputs ||
      static_cast<int>(n.inputs.size()) != 1 + n.implicit_inputs)
    return nullptr;
  return branch;
}

}  // namespace

int inline_constant_ifs(Graph& g) {
  std::unordered_set<std::string> names;
  for (const Value& v : g.values) names.insert(v.name);
  auto fresh_name = [&](const std::string& name) {
    std::string s = name;
    for (int k = 1; names.count(s); ++k) s = name + "/inlined_" + std::to_string(k);
    names.insert(s);
    return s;
  };
  int inlined = 0;
  std::vector<Node> kept;
  std::vector<Node> added;
  for (Node& n : g.nodes) {
    const Graph* branch = known_branch(g, n);
    if (!branch) {
      kept.push_back(std::move(n));
      continue;
    }
    // Branch value -> value of g: captured inputs are the If's implicit inputs; the others
    // (constants, node outputs) are new values of g.
    std::vector<int> map(branch->values.size(), -1);
    for (int k = 0; k < n.implicit_inputs; ++k) map[branch->inputs[k]] = n.inputs[1 + k];
    auto mapped = [&](int v) {
      if (v < 0) return -1;
      if (map[v] < 0) {
        const Value& bv = branch->values[v];
        map[v] = g.add_value(fresh_name(bv.name));
        Value& nv = g.values[map[v]];
        nv.dtype = bv.dtype;
        nv.declared_shape = bv.declared_shape;
        nv.constant = bv.constant;
      }
      return map[v];
    };
    for (const Node& bn : branch->nodes) {
      Node copy = bn;
      for (int& v : copy.inputs) v = mapped(v);
      for (int& v : copy.outputs) v = mapped(v);
      added.push_back(std::move(copy));
    }
    for (size_t k = 0; k < n.outputs.size(); ++k) {
      if (n.outputs[k] < 0) continue;
      Node id;
      id.name = n.name + "/output_" + std::to_string(k);
      id.op_type = "Identity";
      id.opset = n.opset;
      id.inputs = {mapped(branch->outputs[k])};
      id.outputs = {n.outputs[k]};
      id.source_names = n.source_names;
      added.push_back(std::move(id));
    }
    ++inlined;
  }
  if (!inlined) {
    g.nodes = std::move(kept);
    return 0;
  }
  for (Node& n : added) kept.push_back(std::move(n));
  g.nodes = std::move(kept);
  return inlined;
}

int bind_constant_captures(Graph& g) {
  int bound = 0;
  for (Node& n : g.nodes) {
    const int first = static_cast<int>(n.inputs.size()) - n.implicit_inputs;
    std::vector<int> constant;  // k of the constant implicit inputs, descending
    for (int k = n.implicit_inputs - 1; k >= 0; --k)
      if (g.values[n.inputs[first + k]].constant) constant.push_back(k);
    if (constant.empty()) continue;
    std::vector<std::pair<std::string, const Graph*>> bodies;
    for (const auto& [name, value] : n.attrs.all())
      if (const GraphAttr* a = std::get_if<GraphAttr>(&value); a && a->graph) bodies.emplace_back(name, a->graph.get());
    for (const auto& [name, body] : bodies) {
      Graph copy = *body;
      const int declared = static_cast<int>(copy.inputs.size()) - n.implicit_inputs;
      for (int k : constant) {
        Value& v = copy.values[copy.inputs[declared + k]];
        v.constant = g.values[n.inputs[first + k]].constant;
        v.dtype = v.constant->dtype();
        copy.inputs.erase(copy.inputs.begin() + declared + k);
      }
      n.attrs.set(name, GraphAttr{std::make_shared<const Graph>(std::move(copy))});
    }
    for (int k : constant) n.inputs.erase(n.inputs.begin() + first + k);
    n.implicit_inputs -= static_cast<int>(constant.size());
    bound += static_cast<int>(constant.size());
  }
  return bound;
}

}  // namespace layerscope
