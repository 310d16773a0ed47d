// build_plan: graph + input shapes -> ExecutionPlan. Stages, in order:
//   1. topological order (the file order when it is already topological)
//   2. shape inference over that order; nodes whose inputs are all constant are evaluated
//      now by their reference kernel (constant folding: the shape sub-graphs of exports)
//   3. dead-node removal (only what the graph outputs need is kept)
//   4. kernel choice + prepare()
//   5. memory plan (runtime/memory_planner.cpp)
#include <algorithm>
#include <climits>
#include <deque>
#include <unordered_map>

#include "ir/error.h"
#include "runtime/memory_planner.h"
#include "runtime/plan.h"

namespace layerscope {

void check_ops_supported(const Graph& g, const Registry& r) {
  for (const Node& n : g.nodes) {
    if (r.find_op(n.domain, n.op_type, n.opset)) continue;
    std::string opsets = r.supported_opsets(n.domain, n.op_type);
    std::string domain = n.domain.empty() ? "ai.onnx" : n.domain;
    if (opsets.empty())
      fail("'", g.model_path, "': unsupported operator '", n.op_type, "' (domain ", domain, ", opset ", n.opset,
           ") in node '", n.name, "'");
    fail("'", g.model_path, "': operator '", n.op_type, "' (domain ", domain, ") at opset ", n.opset,
         " is not supported (supported: ", opsets, ") in node '", n.name, "'");
  }
}

namespace {

std::vector<int> topological_order(const Graph& g) {
  std::vector<int> producer(g.values.size(), -1);
  for (size_t i = 0; i < g.nodes.size(); ++i)
    for (int o : g.nodes[i].outputs)
      if (o >= 0) {
        LS_CHECK(producer[o] < 0, "'", g.model_path, "': value '", g.values[o].name, "' is produced by two nodes ('",
                 g.nodes[producer[o]].name, "' and '", g.nodes[i].name, "')");
        producer[o] = static_cast<int>(i);
      }
  std::vector<bool> is_input(g.values.size(), false);
  for (int i : g.inputs) is_input[i] = true;
  std::vector<int> pending(g.nodes.size(), 0);
  std::vector<std::vector<int>> consumers(g.nodes.size());
  for (size_t i = 0; i < g.nodes.size(); ++i)
    for (int in : g.nodes[i].inputs) {
      if (in < 0) continue;
      const Value& v = g.values[in];
      if (producer[in] >= 0) {
        ++pending[i];
        consumers[producer[in]].push_back(static_cast<int>(i));
      } else {
        LS_CHECK(v.constant || is_input[in], "'", g.model_path, "': input '", v.name, "' of ",
                 Graph::describe(g.nodes[i]), " is not a graph input, an initializer or any node's output");
      }
    }
  std::deque<int> ready;
  for (size_t i = 0; i < g.nodes.size(); ++i)
    if (!pending[i]) ready.push_back(static_cast<int>(i));
  std::vector<int> order;
  while (!ready.empty()) {
    int n = ready.front();
    ready.pop_front();
    order.push_back(n);
    for (int c : consumers[n])
      if (--pending[c] == 0) ready.push_back(c);
  }
  LS_CHECK(order.size() == g.nodes.size(), "'", g.model_path, "': the graph has a cycle");
  return order;
}

void run_reference(const OpDef& def, const Node& n, const std::vector<const Tensor*>& in,
                   const std::vector<TensorInfo>& out_info, std::vector<Tensor>& out) {
  out.clear();
  for (const TensorInfo& t : out_info) out.emplace_back(t.dtype, t.shape);
  std::vector<Tensor*> out_ptrs;
  for (Tensor& t : out) out_ptrs.push_back(&t);
  def.reference(n, in, out_ptrs);
}

}  // namespace

ExecutionPlan build_plan(Graph graph, const InputBinding& binding, const Registry& registry, int threads) {
  check_ops_supported(graph, registry);
  ExecutionPlan plan;
  plan.threads = threads;
  Graph& g = graph;

  // Per-value facts during inference.
  std::vector<TensorInfo> info(g.values.size());
  std::vector<bool> known(g.values.size(), false), dynamic(g.values.size(), false);
  for (size_t i = 0; i < g.values.size(); ++i)
    if (g.values[i].constant) {
      info[i] = {g.values[i].constant->dtype(), g.values[i].constant->shape()};
      known[i] = true;
    }
  for (int id : g.inputs) {
    auto it = binding.find(g.values[id].name);
    LS_CHECK(it != binding.end(), "no shape bound for graph input '", g.values[id].name, "'");
    info[id] = it->second;
    known[id] = true;
  }

  std::vector<int> order = topological_order(g);
  std::vector<const OpDef*> defs(g.nodes.size());
  std::vector<std::vector<TensorInfo>> node_out(g.nodes.size());
  std::vector<bool> folded(g.nodes.size(), false), node_dynamic(g.nodes.size(), false);

  for (int ni : order) {
    Node& n = g.nodes[ni];
    defs[ni] = registry.find_op(n.domain, n.op_type, n.opset);
    bool any_dynamic = false, all_const = true;
    std::vector<TensorInfo> in;
    std::vector<const Tensor*> values;
    for (int v : n.inputs) {
      if (v < 0) {
        in.emplace_back();
        values.push_back(nullptr);
        continue;
      }
      any_dynamic |= dynamic[v];
      in.push_back(info[v]);
      const auto& c = g.values[v].constant;
      values.push_back(c ? &*c : nullptr);
      all_const &= c.has_value();
    }
    if (any_dynamic) {
      node_dynamic[ni] = true;
      for (int o : n.outputs) if (o >= 0) dynamic[o] = true;
      continue;
    }
    InferContext ctx(n, in, values);
    try {
      defs[ni]->infer(ctx);
    } catch (const NeedsRuntimeValue&) {
      node_dynamic[ni] = true;
      for (int o : n.outputs) if (o >= 0) dynamic[o] = true;
      continue;
    }
    node_out[ni] = ctx.outputs();
    for (size_t k = 0; k < n.outputs.size(); ++k) {
      int o = n.outputs[k];
      if (o < 0) continue;
      LS_CHECK(node_out[ni][k].dtype != DType::Undefined, Graph::describe(n), ": shape inference set no output ", k);
      info[o] = node_out[ni][k];
      known[o] = true;
      g.values[o].dtype = info[o].dtype;
    }
    // Fold: all inputs constant, or infer() already knows every output's contents.
    const std::vector<Tensor>& known_values = ctx.output_values();
    bool values_known = !known_values.empty();
    for (size_t k = 0; k < known_values.size(); ++k)
      values_known &= n.outputs[k] < 0 || !known_values[k].empty();
    if (values_known || (all_const && !n.inputs.empty())) {
      std::vector<Tensor> outs = known_values;
      if (!values_known) run_reference(*defs[ni], n, values, node_out[ni], outs);
      for (size_t k = 0; k < n.outputs.size(); ++k)
        if (n.outputs[k] >= 0) g.values[n.outputs[k]].constant = std::move(outs[k]);
      folded[ni] = true;
      plan.folded_nodes.push_back(n.name);
    }
  }

  // Keep only the nodes the outputs need.
  std::vector<bool> needed_value(g.values.size(), false);
  for (int o : g.outputs) needed_value[o] = true;
  std::vector<bool> keep(g.nodes.size(), false);
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    const Node& n = g.nodes[*it];
    if (folded[*it]) continue;
    bool needed = false;
    for (int o : n.outputs) needed |= (o >= 0 && needed_value[o]);
    if (!needed) continue;
    keep[*it] = true;
    for (int v : n.inputs) if (v >= 0) needed_value[v] = true;
  }

  plan.slots.resize(g.values.size());
  for (size_t v = 0; v < g.values.size(); ++v) {
    Slot& s = plan.slots[v];
    s.info = info[v];
    if (!needed_value[v]) continue;
    if (g.values[v].constant) s.kind = SlotKind::Constant;
  }
  for (int id : g.inputs) plan.slots[id].kind = SlotKind::GraphInput;

  for (int ni : order) {
    if (!keep[ni]) continue;
    const Node& n = g.nodes[ni];
    Step step;
    step.node = ni;
    step.op = defs[ni];
    step.dynamic = node_dynamic[ni];
    for (int o : n.outputs)
      if (o >= 0) plan.slots[o].kind = step.dynamic ? SlotKind::Dynamic : SlotKind::Arena;
    if (!step.dynamic) {
      for (int v : n.inputs) step.inputs.push_back(v < 0 ? TensorInfo{} : info[v]);
      step.outputs = node_out[ni];
      std::vector<const Tensor*> consts;
      for (int v : n.inputs) consts.push_back(v >= 0 && g.values[v].constant ? &*g.values[v].constant : nullptr);
      KernelSetup setup{n, step.inputs, consts, step.outputs, threads};
      for (const KernelDef* k : registry.kernels_for(n.domain, n.op_type)) {
        if (k->supports && !k->supports(setup)) continue;
        step.kernel = k->create();
        break;
      }
      if (!step.kernel) step.kernel = make_reference_kernel(*step.op);
      step.kernel->prepare(setup);
      step.scratch_bytes = step.kernel->scratch_bytes();
      plan.packed_weight_bytes += step.kernel->packed_weight_bytes();
      CostContext cc{n, step.inputs, step.outputs};
      step.cost = step.op->cost ? step.op->cost(cc) : bytes_only_cost(cc);
    }
    plan.steps.push_back(std::move(step));
  }

  // Constants that survive (weights and folded values) count as held memory.
  for (size_t v = 0; v < g.values.size(); ++v)
    if (plan.slots[v].kind == SlotKind::Constant) plan.constant_bytes += g.values[v].constant->nbytes();
    else if (g.values[v].constant && !needed_value[v]) g.values[v].constant.reset();

  plan.graph = std::move(graph);
  plan_memory(plan);
  return plan;
}

}  // namespace layerscope
