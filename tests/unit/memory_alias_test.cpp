// Buffer sharing in the memory plan (runtime/memory_sharing.cpp): views for Reshape & co.,
// in-place elementwise ops, and every case where sharing must be refused. Graphs are built by
// hand and planned with the built-in kernels (no graph passes, so the nodes stay as built);
// each test checks both the plan (offsets, kernel names) and the values a real run produces.
#include <gtest/gtest.h>

#include "memory_alias_util.h"

namespace layerscope::alias_test {
namespace {

TEST(MemoryAlias, ReshapeIsAViewEvenWhenItsInputIsReadLater) {
  Builder b;
  int x = b.input("x");
  int a = b.node("sig", "Sigmoid", {x});
  int r = b.reshape("to_square", a, {16384, 8});
  int c = b.node("relu", "Relu", {r});
  int d = b.reshape("back", c, {8, 16384});
  int y = b.node("add", "Add", {a, d});  // reads a after the view of it
  b.g.outputs = {y};
  ExecutionPlan p = plan_of(b.g, kShape);
  EXPECT_EQ(kernel_of(p, "to_square"), "native:view");
  EXPECT_EQ(kernel_of(p, "back"), "native:view");
  for (const Step& s : p.steps)  // a view moves no bytes; the ops around it do
    EXPECT_EQ(s.cost.bytes_read == 0, p.graph.nodes[s.node].op_type == "Reshape") << p.graph.nodes[s.node].name;
  EXPECT_EQ(offset_of(p, r), offset_of(p, a));
  EXPECT_EQ(offset_of(p, d), offset_of(p, c));
  // Relu may not overwrite r: a (same buffer) is read by Add later.
  EXPECT_NE(offset_of(p, c), offset_of(p, r));
  // Add's inputs both die there: it runs in place over its first one.
  EXPECT_EQ(offset_of(p, y), offset_of(p, a));
  Executor ex(std::move(p));
  expect_values(ex, random_input(kShape), 0, [](float v) { return sigmoid(v) + relu(sigmoid(v)); });
}

TEST(MemoryAlias, TransposeMovingOnlySizeOneAxesIsAView) {
  // ViT's (197, 1, 768) <-> (1, 197, 768) Transposes keep every element in place; a real
  // transpose of the same tensor does not.
  Builder b;
  int x = b.input("x");
  int a = b.node("sig", "Sigmoid", {x});
  int r = b.reshape("add_axis", a, {8, 1, 16384});
  Attributes swap_unit;
  swap_unit.set("perm", std::vector<int64_t>{1, 0, 2});
  int t = b.node("move_unit_axis", "Transpose", {r}, swap_unit);  // (1, 8, 16384)
  Attributes swap_real;
  swap_real.set("perm", std::vector<int64_t>{0, 2, 1});
  int u = b.node("real_transpose", "Transpose", {t}, swap_real);  // (1, 16384, 8)
  int v = b.node("back", "Transpose", {u}, swap_real);            // (1, 8, 16384)
  int y = b.reshape("flat", v, {8, 16384});
  b.g.outputs = {y};
  ExecutionPlan p = plan_of(b.g, kShape);
  EXPECT_EQ(kernel_of(p, "move_unit_axis"), "native:view");
  EXPECT_EQ(offset_of(p, t), offset_of(p, a));
  EXPECT_EQ(kernel_of(p, "real_transpose"), "native:transpose");
  EXPECT_NE(offset_of(p, u), offset_of(p, t));
  Executor ex(std::move(p));
  expect_values(ex, random_input(kShape), 0, sigmoid);
}

TEST(MemoryAlias, ReshapeOfAGraphInputCopies) {
  Builder b;
  int x = b.input("x");
  int r = b.reshape("flat", x, {8 * 16384});
  int y = b.node("relu", "Relu", {r});
  b.g.outputs = {y};
  ExecutionPlan p = plan_of(b.g, kShape);
  EXPECT_EQ(kernel_of(p, "flat"), "native:copy");
  EXPECT_EQ(offset_of(p, y), offset_of(p, r));  // r dies at Relu: in place
  Executor ex(std::move(p));
  expect_values(ex, random_input(kShape), 0, relu);
}

TEST(MemoryAlias, InPlaceOnlyWhenTheInputDies) {
  Builder b;
  int x = b.input("x");
  int a = b.node("sig", "Sigmoid", {x});  // x is a graph input: never overwritten
  int c = b.node("relu", "Relu", {a});    // a is read again by Add: not in place
  int y = b.node("add", "Add", {c, a});   // both die here: in place over c
  int z = b.node("tanh", "Tanh", {y});    // y dies here: in place
  b.g.outputs = {z};
  ExecutionPlan p = plan_of(b.g, kShape);
  EXPECT_NE(offset_of(p, c), offset_of(p, a));
  EXPECT_EQ(offset_of(p, y), offset_of(p, c));
  EXPECT_EQ(offset_of(p, z), offset_of(p, y));
  Executor ex(std::move(p));
  Tensor in = random_input(kShape);
  const Tensor kept = in.clone();
  expect_values(ex, in, 0, [](float v) { return std::tanh(relu(sigmoid(v)) + sigmoid(v)); });
  for (int64_t i = 0; i < in.numel(); ++i) ASSERT_EQ(in.data_as<float>()[i], kept.data_as<float>()[i]);
}

TEST(MemoryAlias, NeverInPlaceOverAGraphOutput) {
  Builder b;
  int x = b.input("x");
  int a = b.node("sig", "Sigmoid", {x});
  int c = b.node("relu", "Relu", {a});
  b.g.outputs = {a, c};  // a is last read by Relu, but the caller still gets it
  ExecutionPlan p = plan_of(b.g, kShape);
  EXPECT_NE(offset_of(p, c), offset_of(p, a));
  Executor ex(std::move(p));
  expect_values(ex, random_input(kShape), 0, sigmoid);
}

TEST(MemoryAlias, NeverInPlaceOverAConstant) {
  Builder b;
  int x = b.input("x");
  Tensor bias = random_input(kShape, 7);
  int k = b.constant("bias", bias.clone());
  int a = b.node("sig", "Sigmoid", {x});
  int y = b.node("add", "Add", {k, a});  // first candidate is the constant: Add takes a's buffer
  b.g.outputs = {y};
  ExecutionPlan p = plan_of(b.g, kShape);
  EXPECT_EQ(p.slots[k].kind, SlotKind::Constant);
  EXPECT_EQ(offset_of(p, y), offset_of(p, a));
  Executor ex(std::move(p));
  Tensor in = random_input(kShape);
  for (int run = 0; run < 2; ++run) {  // a clobbered constant would show in the second run
    std::vector<Tensor> out = ex.run({in});
    for (int64_t i = 0; i < in.numel(); ++i)
      ASSERT_NEAR(out[0].data_as<float>()[i], bias.data_as<float>()[i] + sigmoid(in.data_as<float>()[i]), 1e-5f);
  }
}

TEST(MemoryAlias, SameValueOnBothInputsOfAPositionWiseOp) {
  Builder b;
  int x = b.input("x");
  int a = b.node("sig", "Sigmoid", {x});
  int y = b.node("double", "Add", {a, a});  // reads a[i] twice, then writes y[i]: legal
  b.g.outputs = {y};
  ExecutionPlan p = plan_of(b.g, kShape);
  EXPECT_EQ(offset_of(p, y), offset_of(p, a));
  Executor ex(std::move(p));
  expect_values(ex, random_input(kShape), 0, [](float v) { return 2.f * sigmoid(v); });
}

// "MirrorAdd": y[i] = a[i] + b[n - 1 - i]. Its kernel offers in-place over a, but it is not
// position-wise: written in place with b in the same buffer, the second half would read
// elements already overwritten.
class MirrorAddKernel final : public Kernel {
 public:
  std::string name() const override { return "test:mirror_add"; }
  OutputSharing output_sharing() const override { return {OutputSharing::Mode::InPlace, {0}, false}; }
  void execute(std::span<const Tensor* const> in, std::span<Tensor* const> out, void*) override {
    const float* a = in[0]->data_as<float>();
    const float* b = in[1]->data_as<float>();
    float* y = out[0]->data_as<float>();
    const int64_t n = out[0]->numel();
    for (int64_t i = 0; i < n; ++i) y[i] = a[i] + b[n - 1 - i];
  }
};

Registry with_mirror_add() {
  Registry r = Registry::builtin();
  OpDef d;
  d.op_type = "MirrorAdd";
  d.infer = [](InferContext& c) { c.set_output(0, c.dtype(0), c.shape(0)); };
  d.reference = [](const Node&, std::span<const Tensor* const>, std::span<Tensor* const>) {
    FAIL() << "the test kernel must run, not the reference";
  };
  r.add_op(d);
  KernelDef k;
  k.op_type = "MirrorAdd";
  k.name = "test:mirror_add";
  k.supports = [](const KernelSetup&) { return true; };
  k.create = [] { return std::make_unique<MirrorAddKernel>(); };
  r.add_kernel(k);
  return r;
}

TEST(MemoryAlias, NotInPlaceWhenTheBufferAlsoFeedsANonPositionWiseInput) {
  Builder b;
  int x = b.input("x");
  int a = b.node("sig", "Sigmoid", {x});
  int v = b.reshape("view", a, {8 * 16384});
  int u = b.reshape("view2", a, {8 * 16384});
  int y = b.node("mirror", "MirrorAdd", {v, u});  // v and u are both views of a
  b.g.outputs = {y};
  Registry r = with_mirror_add();
  ExecutionPlan p = plan_of(b.g, kShape, r);
  ASSERT_EQ(offset_of(p, v), offset_of(p, u));
  EXPECT_NE(offset_of(p, y), offset_of(p, v));
  Executor ex(std::move(p));
  Tensor in = random_input(kShape);
  std::vector<Tensor> out = ex.run({in});
  const int64_t n = in.numel();
  for (int64_t i = 0; i < n; ++i)
    ASSERT_NEAR(out[0].data_as<float>()[i], sigmoid(in.data_as<float>()[i]) + sigmoid(in.data_as<float>()[n - 1 - i]),
                1e-5f);
}

TEST(MemoryAlias, ChainOfViewsThenInPlaceRespectsTheGroupLifetime) {
  // sig -> reshape -> reshape -> relu, and a (the first member of the group) read after relu.
  Builder b;
  int x = b.input("x");
  int a = b.node("sig", "Sigmoid", {x});
  int r1 = b.reshape("r1", a, {16384, 8});
  int r2 = b.reshape("r2", r1, {8 * 16384});
  int c = b.node("relu", "Relu", {r2});
  int c2 = b.reshape("r3", c, {8, 16384});
  int y = b.node("add", "Add", {a, c2});
  b.g.outputs = {y};
  ExecutionPlan p = plan_of(b.g, kShape);
  EXPECT_EQ(offset_of(p, r1), offset_of(p, a));
  EXPECT_EQ(offset_of(p, r2), offset_of(p, a));
  EXPECT_NE(offset_of(p, c), offset_of(p, a));  // would clobber a, read by Add
  Executor ex(std::move(p));
  expect_values(ex, random_input(kShape), 0, [](float v) { return sigmoid(v) + relu(sigmoid(v)); });

  // The same chain with nobody reading a afterwards: Relu overwrites the whole group.
  Builder b2;
  x = b2.input("x");
  a = b2.node("sig", "Sigmoid", {x});
  r1 = b2.reshape("r1", a, {16384, 8});
  r2 = b2.reshape("r2", r1, {8 * 16384});
  c = b2.node("relu", "Relu", {r2});
  b2.g.outputs = {c};
  ExecutionPlan p2 = plan_of(b2.g, kShape);
  EXPECT_EQ(offset_of(p2, c), offset_of(p2, a));
  EXPECT_EQ(p2.arena_bytes, static_cast<size_t>(8 * 16384 * 4));  // one buffer for everything
  Executor ex2(std::move(p2));
  expect_values(ex2, random_input(kShape), 0, [](float v) { return relu(sigmoid(v)); });
}

}  // namespace
}  // namespace layerscope::alias_test
