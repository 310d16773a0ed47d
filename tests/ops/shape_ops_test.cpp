// Shape family: Shape, Size, Reshape, Flatten, Squeeze, Unsqueeze, Identity, Dropout,
// ConstantOfShape, Range, EyeLike — inference (incl. errors and value-dependent shapes) and
// reference results; native:copy vs reference.
#include "runtime/executor.h"
#include "runtime/plan.h"
#include "shape_test_util.h"

namespace layerscope::shape_test {
namespace {

using V = std::vector<int64_t>;

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

TEST(ShapeOps, ShapeWithStartEnd) {
  Tensor x(DType::F32, {2, 3, 4});
  EXPECT_EQ(values_of<int64_t>(run_ref("Shape", 13, {{x}})), (V{2, 3, 4}));
  EXPECT_EQ(values_of<int64_t>(run_ref("Shape", 15, {{x}}, {{"start", int64_t{-1}}})), (V{4}));
  EXPECT_EQ(values_of<int64_t>(run_ref("Shape", 15, {{x}}, {{"end", int64_t{-1}}})), (V{2, 3}));
  EXPECT_EQ(values_of<int64_t>(run_ref("Shape", 15, {{x}}, {{"start", int64_t{1}}, {"end", int64_t{2}}})), (V{3}));
  // Clamped to [0, rank]; start > end gives an empty shape.
  EXPECT_EQ(values_of<int64_t>(run_ref("Shape", 15, {{x}}, {{"start", int64_t{-10}}, {"end", int64_t{10}}})),
            (V{2, 3, 4}));
  EXPECT_EQ(run_ref("Shape", 15, {{x}}, {{"start", int64_t{2}}, {"end", int64_t{1}}}).shape(), (Shape{0}));
  // Before opset 15 the attributes do not exist: refused, not ignored (the whole shape).
  EXPECT_NE(infer_error("Shape", 14, {{x}}, {{"start", int64_t{1}}})
                .find("unknown attribute 'start' (accepted in opsets 15 and later)"),
            std::string::npos);
  // Only the input's shape is needed, not its value.
  EXPECT_EQ(infer("Shape", 17, {unknown(x)})[0].shape, (Shape{3}));
}

TEST(ShapeOps, Size) {
  Tensor y = run_ref("Size", 13, {{Tensor(DType::I8, {2, 5})}});
  EXPECT_EQ(y.shape(), Shape{});
  EXPECT_EQ(values_of<int64_t>(y)[0], 10);
}

TEST(ShapeOps, ReshapeRules) {
  Tensor x = f32({2, 3, 4}, std::vector<float>(24, 1.f));
  EXPECT_EQ(infer("Reshape", 13, {{x}, {i64s({0, -1})}})[0].shape, (Shape{2, 12}));
  EXPECT_EQ(infer("Reshape", 13, {{x}, {i64s({4, 0, -1})}})[0].shape, (Shape{4, 3, 2}));
  EXPECT_EQ(infer("Reshape", 13, {{x}, {i64s({24})}})[0].shape, (Shape{24}));
  EXPECT_EQ(infer("Reshape", 1, {{x}}, {{"shape", V{6, -1}}})[0].shape, (Shape{6, 4}));
  // allowzero: 0 is a real empty dimension.
  Tensor empty(DType::F32, {0, 3});
  EXPECT_EQ(infer("Reshape", 14, {{empty}, {i64s({3, 0})}}, {{"allowzero", int64_t{1}}})[0].shape, (Shape{3, 0}));
  EXPECT_TRUE(
      contains(infer_error("Reshape", 14, {{empty}, {i64s({0, -1})}}, {{"allowzero", int64_t{1}}}), "both 0 and -1"));
  EXPECT_TRUE(contains(infer_error("Reshape", 13, {{x}, {i64s({5, -1})}}), "cannot reshape (2,3,4)"));
  EXPECT_TRUE(contains(infer_error("Reshape", 13, {{x}, {i64s({-1, -1})}}), "more than one -1"));
  EXPECT_TRUE(contains(infer_error("Reshape", 13, {{x}, {i64s({7, 3})}}), "(21 elements)"));
  EXPECT_TRUE(contains(infer_error("Reshape", 13, {{x}, {i64s({-2, 12})}}), "invalid dimension -2"));
  // An unknown shape value defers inference to run time.
  EXPECT_TRUE(deferred("Reshape", 13, {{x}, unknown(i64s({24}))}));
  Tensor y = run_ref("Reshape", 14, {{f32({2, 2}, {1, 2, 3, 4})}, {i64s({4})}});
  EXPECT_EQ(values_of<float>(y), (std::vector<float>{1, 2, 3, 4}));
}

TEST(ShapeOps, Flatten) {
  Tensor x(DType::F16, {2, 3, 4, 5});
  EXPECT_EQ(infer("Flatten", 13, {{x}})[0].shape, (Shape{2, 60}));
  EXPECT_EQ(infer("Flatten", 13, {{x}}, {{"axis", int64_t{0}}})[0].shape, (Shape{1, 120}));
  EXPECT_EQ(infer("Flatten", 13, {{x}}, {{"axis", int64_t{4}}})[0].shape, (Shape{120, 1}));
  EXPECT_EQ(infer("Flatten", 13, {{x}}, {{"axis", int64_t{-1}}})[0].shape, (Shape{24, 5}));
  EXPECT_EQ(infer("Flatten", 13, {{x}})[0].dtype, DType::F16);
  EXPECT_TRUE(contains(infer_error("Flatten", 13, {{x}}, {{"axis", int64_t{5}}}), "out of range"));
}

TEST(ShapeOps, SqueezeUnsqueeze) {
  Tensor x(DType::Bool, {1, 3, 1, 5});
  EXPECT_EQ(infer("Squeeze", 13, {{x}})[0].shape, (Shape{3, 5}));
  EXPECT_EQ(infer("Squeeze", 13, {{x}, {i64s({-2})}})[0].shape, (Shape{1, 3, 5}));
  EXPECT_EQ(infer("Squeeze", 11, {{x}}, {{"axes", V{0}}})[0].shape, (Shape{3, 1, 5}));
  EXPECT_TRUE(contains(infer_error("Squeeze", 13, {{x}, {i64s({1})}}), "its size is not 1"));
  EXPECT_TRUE(contains(infer_error("Squeeze", 13, {{x}, {i64s({0, -4})}}), "repeated"));
  EXPECT_TRUE(deferred("Squeeze", 13, {{x}, unknown(i64s({0}))}));

  Tensor y(DType::F32, {3, 4, 5});
  EXPECT_EQ(infer("Unsqueeze", 13, {{y}, {i64s({4, 3})}})[0].shape, (Shape{3, 4, 5, 1, 1}));
  EXPECT_EQ(infer("Unsqueeze", 13, {{y}, {i64s({0, -1})}})[0].shape, (Shape{1, 3, 4, 5, 1}));
  EXPECT_EQ(infer("Unsqueeze", 11, {{y}}, {{"axes", V{1}}})[0].shape, (Shape{3, 1, 4, 5}));
  EXPECT_TRUE(contains(infer_error("Unsqueeze", 11, {{y}}), "'axes' is required"));
  EXPECT_TRUE(contains(infer_error("Unsqueeze", 13, {{y}, {i64s({5})}}), "out of range"));
  EXPECT_EQ(infer("Unsqueeze", 13, {{Tensor(DType::F32, {})}, {i64s({0})}})[0].shape, (Shape{1}));
}

TEST(ShapeOps, IdentityAndDropout) {
  Tensor x = f32({3}, {1, -2, 3});
  EXPECT_EQ(values_of<float>(run_ref("Identity", 16, {{x}})), (std::vector<float>{1, -2, 3}));
  auto out = run_all("Dropout", 13, {{x}}, {}, 2);
  EXPECT_EQ(values_of<float>(out[0]), (std::vector<float>{1, -2, 3}));
  EXPECT_EQ(out[1].dtype(), DType::Bool);
  EXPECT_EQ(values_of<uint8_t>(out[1]), (std::vector<uint8_t>{1, 1, 1}));
  out = run_all("Dropout", 7, {{x}}, {}, 2);  // mask typed like the data before opset 10
  EXPECT_EQ(values_of<float>(out[1]), (std::vector<float>{1, 1, 1}));
  Tensor ratio = f32({}, {0.5f}), zero = f32({}, {0.f}), yes = boolean({}, {1}), no = boolean({}, {0});
  EXPECT_EQ(infer("Dropout", 13, {{x}, {ratio}, {no}})[0].shape, (Shape{3}));
  EXPECT_TRUE(contains(infer_error("Dropout", 13, {{x}, {ratio}, {yes}}), "training_mode = true"));
  EXPECT_EQ(infer("Dropout", 13, {{x}, {zero}, {yes}})[0].shape, (Shape{3}));  // ratio 0: deterministic
  EXPECT_TRUE(deferred("Dropout", 13, {{x}, {ratio}, unknown(no)}));
  EXPECT_TRUE(contains(infer_error("Dropout", 6, {{x}}), "is_test = 0"));
  EXPECT_EQ(infer("Dropout", 6, {{x}}, {{"is_test", int64_t{1}}})[0].shape, (Shape{3}));
}

TEST(ShapeOps, ConstantOfShape) {
  Tensor y = run_ref("ConstantOfShape", 9, {{i64s({2, 3})}});
  EXPECT_EQ(y.dtype(), DType::F32);
  EXPECT_EQ(values_of<float>(y), std::vector<float>(6, 0.f));
  y = run_ref("ConstantOfShape", 20, {{i64s({2})}}, {{"value", i64({1}, {7})}});
  EXPECT_EQ(values_of<int64_t>(y), (V{7, 7}));
  y = run_ref("ConstantOfShape", 9, {{i64({0}, {})}}, {{"value", i32({1}, {3})}});
  EXPECT_EQ(y.shape(), Shape{});  // an empty shape gives a scalar
  EXPECT_EQ(values_of<int32_t>(y)[0], 3);
  EXPECT_TRUE(contains(infer_error("ConstantOfShape", 9, {{i64s({-1})}}), "negative"));
  EXPECT_TRUE(deferred("ConstantOfShape", 9, {unknown(i64s({2}))}));
}

TEST(ShapeOps, Range) {
  Tensor y = run_ref("Range", 11, {{i32({}, {10})}, {i32({}, {4})}, {i32({}, {-3})}});
  EXPECT_EQ(values_of<int32_t>(y), (std::vector<int32_t>{10, 7}));
  y = run_ref("Range", 11, {{f32({}, {1})}, {f32({}, {2})}, {f32({}, {0.3f})}});
  ASSERT_EQ(y.numel(), 4);  // ceil(1 / 0.3) = 4
  EXPECT_NEAR(values_of<float>(y)[3], 1.9f, 1e-6);
  EXPECT_EQ(run_ref("Range", 11, {{i64({}, {5})}, {i64({}, {1})}, {i64({}, {2})}}).numel(), 0);
  EXPECT_TRUE(contains(infer_error("Range", 11, {{i64({}, {0})}, {i64({}, {1})}, {i64({}, {0})}}), "delta is 0"));
  EXPECT_TRUE(contains(infer_error("Range", 11, {{i64({}, {0})}, {i32({}, {1})}, {i64({}, {1})}}), "share one type"));
  EXPECT_TRUE(deferred("Range", 11, {{i64({}, {0})}, unknown(i64({}, {3})), {i64({}, {1})}}));
}

TEST(ShapeOps, EyeLike) {
  Tensor y = run_ref("EyeLike", 9, {{Tensor(DType::I32, {3, 4})}}, {{"k", int64_t{1}}});
  EXPECT_EQ(values_of<int32_t>(y), (std::vector<int32_t>{0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1}));
  y = run_ref("EyeLike", 9, {{Tensor(DType::F32, {2, 2})}}, {{"dtype", int64_t{10}}});  // float16
  EXPECT_EQ(y.dtype(), DType::F16);
  EXPECT_EQ(values_of<uint16_t>(y), (std::vector<uint16_t>{0x3C00, 0, 0, 0x3C00}));
  EXPECT_TRUE(contains(infer_error("EyeLike", 9, {{Tensor(DType::F32, {2})}}), "2-D"));
  EXPECT_TRUE(contains(infer_error("EyeLike", 9, {{Tensor(DType::F32, {2, 2})}}, {{"dtype", int64_t{8}}}), "dtype"));
}

TEST(ShapeOps, NativeCopyMatchesReference) {
  std::mt19937 rng(7);
  for (DType dt : {DType::F32, DType::U8, DType::F16, DType::I64}) {
    Tensor x = random_tensor(dt, {4, 300, 70}, rng);  // > 256 KB for 4/8-byte types: parallel path
    std::vector<In> in = {{x}, {i64s({-1, 70})}};
    Node n = make_node("Reshape", 14, in, 1, {});
    expect_same_bytes(run_kernel("native:copy", n, in)[0], run_all(n, in)[0], "reshape");
    std::vector<In> u = {{x}, {i64s({0})}};
    Node un = make_node("Unsqueeze", 13, u, 1, {});
    expect_same_bytes(run_kernel("native:copy", un, u)[0], run_all(un, u)[0], "unsqueeze");
  }
  std::vector<In> d = {{f32({2}, {1, 2})}};
  Node dn = make_node("Dropout", 12, d, 2, {});
  auto k = run_kernel("native:copy", dn, d);
  auto r = run_all(dn, d);
  expect_same_bytes(k[0], r[0], "dropout");
  expect_same_bytes(k[1], r[1], "dropout mask");
}

// The export pattern Reshape(x, Concat(Slice(Shape(x)), [-1])) through the real planner and
// executor: the shape arithmetic must produce the right plan whether it is folded or dynamic.
TEST(ShapeOps, ShapeSubgraphThroughPlanner) {
  Graph g;
  g.model_path = "shape_subgraph.onnx";
  auto value = [&](const char* name) { return g.add_value(name); };
  auto constant = [&](const char* name, Tensor t) {
    int v = value(name);
    g.values[v].dtype = t.dtype();
    g.values[v].constant = t;
    return v;
  };
  int x = value("x");
  g.values[x].dtype = DType::F32;
  g.inputs = {x};
  int shp = value("shape"), head = value("head"), target = value("target"), y = value("y");
  int starts = constant("starts", i64s({0})), ends = constant("ends", i64s({1})), minus1 = constant("m1", i64s({-1}));
  auto node = [&](const char* op, std::vector<int> in, int out, AttrList attrs = {}) {
    Node n;
    n.name = std::string(op) + std::to_string(g.nodes.size());
    n.op_type = op;
    n.opset = 17;
    n.inputs = std::move(in);
    n.outputs = {out};
    for (auto& [k, v] : attrs) n.attrs.set(k, v);
    g.nodes.push_back(n);
  };
  node("Shape", {x}, shp);
  node("Slice", {shp, starts, ends}, head);
  node("Concat", {head, minus1}, target, {{"axis", int64_t{0}}});
  node("Reshape", {x, target}, y);
  g.outputs = {y};
  ExecutionPlan plan = build_plan(g, {{"x", {DType::F32, {2, 3, 4}}}}, Registry::builtin(), 1);
  Executor ex(std::move(plan));
  Tensor in = f32({2, 3, 4}, std::vector<float>(24, 0.f));
  for (int i = 0; i < 24; ++i) in.data_as<float>()[i] = static_cast<float>(i);
  std::vector<Tensor> out = ex.run({in});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].shape(), (Shape{2, 12}));
  EXPECT_EQ(values_of<float>(out[0]), values_of<float>(in));
}

}  // namespace
}  // namespace layerscope::shape_test
