// Helpers for the buffer-sharing tests (memory_alias_test.cpp, memory_alias_model_test.cpp):
// hand-built graphs planned with the built-in kernels, and the same kernels with sharing off.
#pragma once
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "runtime/executor.h"
#include "runtime/plan.h"

namespace layerscope::alias_test {

inline const Shape kShape = {8, 16384};  // big enough for the multi-threaded kernel paths

struct Builder {
  Graph g;
  Builder() { g.model_path = "alias_test.onnx"; }
  int input(const std::string& name) {
    int v = g.add_value(name);
    g.values[v].dtype = DType::F32;
    g.inputs.push_back(v);
    return v;
  }
  int constant(const std::string& name, Tensor t) {
    int v = g.add_value(name);
    g.values[v].dtype = t.dtype();
    g.values[v].constant = std::move(t);
    return v;
  }
  int shape_constant(const std::string& name, const std::vector<int64_t>& dims) {
    Tensor t(DType::I64, {static_cast<int64_t>(dims.size())});
    for (size_t i = 0; i < dims.size(); ++i) t.data_as<int64_t>()[i] = dims[i];
    return constant(name, std::move(t));
  }
  // Adds node `name` (op at opset 17) and returns its output value (named after the node).
  int node(const std::string& name, const std::string& op, std::vector<int> inputs, Attributes attrs = {}) {
    int out = g.add_value(name);
    Node n;
    n.name = name;
    n.op_type = op;
    n.opset = 17;
    n.inputs = std::move(inputs);
    n.outputs = {out};
    n.attrs = std::move(attrs);
    g.nodes.push_back(std::move(n));
    return out;
  }
  int reshape(const std::string& name, int x, const std::vector<int64_t>& dims) {
    return node(name, "Reshape", {x, shape_constant(name + "_shape", dims)});
  }
};

inline ExecutionPlan plan_of(Graph g, const Shape& x_shape, const Registry& r = Registry::builtin()) {
  return build_plan(std::move(g), {{"x", {DType::F32, x_shape}}}, r, 2, /*optimize=*/false);
}

inline size_t offset_of(const ExecutionPlan& p, int value) {
  EXPECT_EQ(p.slots[value].kind, SlotKind::Arena) << p.graph.values[value].name;
  return p.slots[value].offset;
}

inline std::string kernel_of(const ExecutionPlan& p, const std::string& node) {
  for (const Step& s : p.steps)
    if (p.graph.nodes[s.node].name == node) return s.kernel ? s.kernel->name() : "(dynamic)";
  return "(no step " + node + ")";
}

inline Tensor random_input(const Shape& shape, unsigned seed = 1) {
  Tensor t(DType::F32, shape);
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> d(-4.f, 4.f);
  for (int64_t i = 0; i < t.numel(); ++i) t.data_as<float>()[i] = d(rng);
  return t;
}

inline float sigmoid(float v) { return 1.f / (1.f + std::exp(-v)); }
inline float relu(float v) { return v < 0.f ? 0.f : v; }

// Runs the plan twice (a second run must not see anything the first left behind) and checks
// output `which` against want(x[i]) element by element.
template <typename F>
void expect_values(Executor& ex, const Tensor& x, size_t which, F want) {
  for (int run = 0; run < 2; ++run) {
    std::vector<Tensor> y = ex.run({x});
    ASSERT_GT(y.size(), which);
    ASSERT_EQ(y[which].numel(), x.numel());
    for (int64_t i = 0; i < x.numel(); ++i)
      ASSERT_NEAR(y[which].data_as<float>()[i], want(x.data_as<float>()[i]), 1e-5f) << "element " << i;
  }
}

// The built-in kernels with buffer sharing switched off: the same computation, each value in a
// buffer of its own. The wrappers outrank the originals, so they are always chosen.
class NoSharing final : public Kernel {
 public:
  explicit NoSharing(std::unique_ptr<Kernel> k) : k_(std::move(k)) {}
  std::string name() const override { return k_->name(); }
  void prepare(const KernelSetup& s) override { k_->prepare(s); }
  size_t scratch_bytes() const override { return k_->scratch_bytes(); }
  size_t packed_weight_bytes() const override { return k_->packed_weight_bytes(); }
  bool reads_input_at_run(int input) const override { return k_->reads_input_at_run(input); }
  void execute(std::span<const Tensor* const> in, std::span<Tensor* const> out, void* scratch) override {
    k_->execute(in, out, scratch);
  }

 private:
  std::unique_ptr<Kernel> k_;
};

inline Registry without_sharing() {
  Registry r = Registry::builtin();
  for (const auto& [domain, op] : Registry::builtin().op_names())
    for (const KernelDef* k : Registry::builtin().kernels_for(domain, op)) {
      KernelDef d = *k;
      d.priority += 1000;
      d.create = [create = k->create] { return std::make_unique<NoSharing>(create()); };
      r.add_kernel(std::move(d));
    }
  return r;
}

}  // namespace layerscope::alias_test
