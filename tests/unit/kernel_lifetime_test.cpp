// Kernels keep what they need from the node by value at prepare(): the planner builds them over
// a graph it later moves into the plan, so a kernel must never point into it. Each kernel here
// is prepared on a node that is then changed; its results (and messages) follow the node as it
// was at prepare(). (A kernel holding a pointer to the node would see the change.)
#include <gtest/gtest.h>

#include <memory>

#include "registry/registry.h"

namespace layerscope {
namespace {

Tensor f32(Shape s, std::vector<float> v) {
  Tensor t(DType::F32, std::move(s));
  std::copy(v.begin(), v.end(), t.data_as<float>());
  return t;
}

// Prepares the kernel `kernel_name` (or the reference kernel, "ref") for `node`, then
// overwrites the node's attributes and name before running it on `inputs`.
Tensor run_after_node_changed(Node node, const std::string& kernel_name, std::vector<Tensor> inputs, Shape out_shape) {
  std::vector<TensorInfo> in;
  std::vector<const Tensor*> ptrs;
  for (const Tensor& t : inputs) {
    in.push_back({t.dtype(), t.shape()});
    ptrs.push_back(&t);
  }
  std::vector<TensorInfo> out = {{inputs[0].dtype(), out_shape}};
  std::vector<const Tensor*> consts(inputs.size(), nullptr);
  std::unique_ptr<Kernel> kernel;
  Node graph_node = node;  // the graph's node, changed before execute()
  {
    KernelSetup setup{graph_node, in, consts, out, 1};
    if (kernel_name == "ref") {
      kernel = make_reference_kernel(*Registry::builtin().find_op("", node.op_type, node.opset));
    } else {
      const KernelDef* k = select_kernel(Registry::builtin(), setup);
      EXPECT_NE(k, nullptr);
      if (!k) return Tensor();
      kernel = k->create();
    }
    kernel->prepare(setup);
    EXPECT_EQ(kernel->name(), kernel_name);
  }
  graph_node.attrs = Attributes();
  graph_node.name = "overwritten";
  graph_node.opset = 99;
  Tensor y(out[0].dtype, out[0].shape);
  std::vector<char> scratch(kernel->scratch_bytes() + 64);
  Tensor* outs[] = {&y};
  kernel->execute(ptrs, outs, scratch.data());
  return y;
}

Node node(const std::string& op, int opset, int inputs, Attributes attrs = {}) {
  Node n;
  n.name = "n";
  n.op_type = op;
  n.opset = opset;
  n.attrs = std::move(attrs);
  for (int i = 0; i < inputs; ++i) n.inputs.push_back(i);
  n.outputs = {inputs};
  return n;
}

TEST(KernelLifetime, ClipBoundsAreReadAtPrepare) {
  Attributes a;
  a.set("min", -1.f);
  a.set("max", 1.f);
  for (const char* k : {"native:clip", "ref"}) {
    SCOPED_TRACE(k);
    Tensor y = run_after_node_changed(node("Clip", 6, 1, a), k, {f32({4}, {-3.f, -0.5f, 0.5f, 3.f})}, {4});
    EXPECT_EQ(std::vector<float>(y.data_as<float>(), y.data_as<float>() + 4), (std::vector<float>{-1, -0.5, 0.5, 1}));
  }
}

TEST(KernelLifetime, GatherNamesItsNodeAsPrepared) {
  Tensor idx(DType::I64, {1});
  *idx.data_as<int64_t>() = 7;  // out of range: the message names the node
  try {
    run_after_node_changed(node("Gather", 13, 2), "native:gather", {f32({3}, {1, 2, 3}), idx}, {1});
    ADD_FAILURE() << "an out-of-range index must be refused";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("'Gather' node 'n' (opset 13)"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace layerscope
