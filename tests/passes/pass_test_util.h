// Tier-3 test helpers: build small graphs of real ONNX ops by hand, plan them with and without
// the graph passes, and compare what the two plans compute.
#pragma once
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "registry/registry.h"
#include "runtime/executor.h"
#include "runtime/plan.h"

namespace layerscope::testing {

class GraphBuilder {
 public:
  explicit GraphBuilder(int opset = 17) : opset_(opset) { g_.model_path = "pass_test.onnx"; }

  int input(const std::string& name, Shape shape) {
    int v = g_.add_value(name);
    g_.values[v].dtype = DType::F32;
    g_.inputs.push_back(v);
    binding_[name] = {DType::F32, std::move(shape)};
    return v;
  }
  int constant(const std::string& name, Tensor t) {
    int v = g_.add_value(name);
    g_.values[v].dtype = t.dtype();
    g_.values[v].constant = std::move(t);
    return v;
  }
  // A constant filled with uniform values in [lo, hi) from a fixed seed.
  int random_constant(const std::string& name, Shape shape, float lo = -1.f, float hi = 1.f) {
    return constant(name, random_f32(std::move(shape), lo, hi));
  }
  int scalar(const std::string& name, float value) {
    Tensor t(DType::F32, {});
    *t.data_as<float>() = value;
    return constant(name, std::move(t));
  }
  // Adds a node named `name` and returns its first output (n_outputs outputs in all).
  int node(const std::string& op, const std::string& name, std::vector<int> inputs, Attributes attrs = {},
           int n_outputs = 1) {
    Node n;
    n.name = name;
    n.op_type = op;
    n.opset = opset_;
    n.inputs = std::move(inputs);
    n.attrs = std::move(attrs);
    n.source_names = {name};
    for (int k = 0; k < n_outputs; ++k) n.outputs.push_back(g_.add_value(name + "_out" + std::to_string(k)));
    g_.nodes.push_back(n);
    return n.outputs[0];
  }
  // The same in another domain and opset (com.microsoft's QLinear ops, opset 1).
  int node_in(const std::string& domain, int opset, const std::string& op, const std::string& name,
              std::vector<int> inputs, Attributes attrs = {}) {
    const int out = node(op, name, std::move(inputs), std::move(attrs));
    g_.nodes.back().domain = domain;
    g_.nodes.back().opset = opset;
    return out;
  }
  void output(int v) { g_.outputs.push_back(v); }

  const Graph& graph() const { return g_; }
  const InputBinding& binding() const { return binding_; }

  Tensor random_f32(Shape shape, float lo = -1.f, float hi = 1.f) {
    Tensor t(DType::F32, std::move(shape));
    std::uniform_real_distribution<float> d(lo, hi);
    for (int64_t i = 0; i < t.numel(); ++i) t.data_as<float>()[i] = d(rng_);
    return t;
  }

 private:
  Graph g_;
  InputBinding binding_;
  int opset_;
  std::mt19937 rng_{1234};
};

// `t` (logical shape, buffer in `from`) copied into a new flat buffer in `to` (padding
// included) by Reorder's reference kernel: how the layout tests feed and read a kernel's
// non-plain buffers.
inline Tensor relayout(const Tensor& t, Layout from, Layout to) {
  const OpDef* reorder = Registry::builtin().find_op(kFusedDomain, "Reorder", 1);
  Node n;
  n.name = "relayout";
  n.op_type = "Reorder";
  n.domain = kFusedDomain;
  n.attrs.set("from", std::string(layout_name(from)));
  n.attrs.set("to", std::string(layout_name(to)));
  Tensor buf(DType::F32, {layout_numel(t.shape(), to)});
  Tensor out = Tensor::view(DType::F32, t.shape(), buf.data());
  const Tensor* in[] = {&t};
  Tensor* outs[] = {&out};
  reorder->reference(n, in, outs);
  return buf;
}

inline ExecutionPlan plan_of(const GraphBuilder& b, bool optimize, int threads = 1) {
  return build_plan(b.graph(), b.binding(), Registry::builtin(), threads, optimize);
}

// Op types of the plan's steps in execution order.
// Integers in [lo, hi] from a fixed seed, of type I8 or I32.
inline Tensor random_ints(DType t, Shape shape, int lo, int hi, unsigned seed) {
  Tensor r(t, std::move(shape));
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> d(lo, hi);
  for (int64_t i = 0; i < r.numel(); ++i) {
    if (t == DType::I8) r.data_as<int8_t>()[i] = static_cast<int8_t>(d(rng));
    else r.data_as<int32_t>()[i] = d(rng);
  }
  return r;
}

// One scale per channel, base * (1 + 0.1 c), as per-channel weight scales.
inline Tensor per_channel_scales(int64_t n, float base) {
  Tensor s(DType::F32, {n});
  for (int64_t c = 0; c < n; ++c) s.data_as<float>()[c] = base * (1.f + 0.1f * static_cast<float>(c));
  return s;
}

inline std::vector<std::string> step_ops(const ExecutionPlan& p) {
  std::vector<std::string> ops;
  for (const Step& s : p.steps) ops.push_back(p.graph.nodes[s.node].op_type);
  return ops;
}

// step_ops without the layout pass's Reorders (where they go depends on what oneDNN prefers
// on the machine): the computing layers only.
inline std::vector<std::string> step_ops_no_reorders(const ExecutionPlan& p) {
  std::vector<std::string> ops;
  for (const std::string& op : step_ops(p))
    if (op != "Reorder") ops.push_back(op);
  return ops;
}

inline const Node& step_node(const ExecutionPlan& p, size_t i) { return p.graph.nodes[p.steps.at(i).node]; }

// Runs the graph planned with and without passes on the same random inputs and expects the
// outputs to agree within `rel_tol` x max|reference|.
inline void expect_same_results(GraphBuilder& b, double rel_tol = 1e-5, int threads = 1) {
  std::vector<Tensor> inputs;
  for (int v : b.graph().inputs) inputs.push_back(b.random_f32(b.binding().at(b.graph().values[v].name).shape));
  Executor plain(plan_of(b, false, threads)), fused(plan_of(b, true, threads));
  std::vector<Tensor> want = plain.run(inputs), got = fused.run(inputs);
  ASSERT_EQ(want.size(), got.size());
  for (size_t k = 0; k < want.size(); ++k) {
    ASSERT_EQ(want[k].shape(), got[k].shape()) << "output " << k;
    double max_ref = 0, max_diff = 0;
    for (int64_t i = 0; i < want[k].numel(); ++i) {
      max_ref = std::max(max_ref, std::fabs(double(want[k].data_as<float>()[i])));
      max_diff = std::max(max_diff, std::fabs(double(want[k].data_as<float>()[i]) - got[k].data_as<float>()[i]));
    }
    EXPECT_LE(max_diff, rel_tol * std::max(max_ref, 1e-6))
        << "output " << k << ": max |diff| " << max_diff << " vs max |ref| " << max_ref;
  }
}

}  // namespace layerscope::testing
