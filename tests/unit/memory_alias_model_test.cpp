// Buffer sharing on whole graphs: the arena it saves, and a real model (the bundled sample)
// giving the same outputs with and without sharing.
#include "memory_alias_util.h"
#include "onnx/model_loader.h"
#include "sample_model.h"

namespace layerscope::alias_test {
namespace {

TEST(MemoryAlias, ArenaShrinksOnARealGraph) {
  // Sigmoid -> Relu -> Tanh: two live buffers without sharing, one with.
  Builder b;
  int x = b.input("x");
  b.g.outputs = {b.node("tanh", "Tanh", {b.node("relu", "Relu", {b.node("sig", "Sigmoid", {x})})})};
  const size_t tensor = 8 * 16384 * 4;
  ExecutionPlan shared = plan_of(b.g, kShape);
  ExecutionPlan separate = plan_of(b.g, kShape, without_sharing());
  EXPECT_EQ(separate.arena_bytes, 2 * tensor);
  EXPECT_EQ(shared.arena_bytes, tensor);
  EXPECT_EQ(shared.naive_activation_bytes, separate.naive_activation_bytes);  // still every tensor
  EXPECT_EQ(shared.naive_activation_bytes, 3 * tensor);
}

TEST(MemoryAlias, SampleModelGivesTheSameOutputsWithAndWithoutSharing) {
  std::string error;
  const std::string path = testing::sample_model_path(&error);
  ASSERT_FALSE(path.empty()) << error;
  Graph g = load_onnx_model(path);
  const std::string input = g.values[g.inputs[0]].name;
  const Shape shape = {1, 3, 224, 308};
  ExecutionPlan shared = build_plan(g, {{input, {DType::F32, shape}}}, Registry::builtin(), 2);
  ExecutionPlan separate = build_plan(g, {{input, {DType::F32, shape}}}, without_sharing(), 2);
  int views = 0;
  for (const Step& s : shared.steps) views += s.kernel && s.kernel->name() == "native:view";
  EXPECT_GT(views, 0);
  EXPECT_LE(shared.arena_bytes, separate.arena_bytes);
  EXPECT_EQ(shared.naive_activation_bytes, separate.naive_activation_bytes);
  std::printf("sample model: %d views, arena %zu bytes shared vs %zu separate\n", views, shared.arena_bytes,
              separate.arena_bytes);
  Executor a(std::move(shared)), c(std::move(separate));
  Tensor in = random_input(shape, 3);
  std::vector<Tensor> ya = a.run({in}), yc = c.run({in});
  ASSERT_EQ(ya.size(), yc.size());
  for (size_t k = 0; k < ya.size(); ++k) {
    ASSERT_EQ(ya[k].shape(), yc[k].shape());
    for (int64_t i = 0; i < ya[k].numel(); ++i)
      ASSERT_NEAR(ya[k].data_as<float>()[i], yc[k].data_as<float>()[i],
                  1e-4f * (1.f + std::fabs(yc[k].data_as<float>()[i])));
  }
}

}  // namespace
}  // namespace layerscope::alias_test
