// Float16 models compute in float32 (passes/float16_as_float32.h): float16 in and out, every
// layer between in float32, and the same bits as the float32 model on the same (float16)
// values, rounded once at the output.
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cstring>
#include <random>
#include <tuple>

#include "layerscope/profile.h"
#include "layerscope/session.h"
#include "onnx_builder.h"
#include "ops/tensor/common.h"

namespace layerscope {
namespace {

// x -> Conv(w, b) -> Relu -> Mul(scale) -> Cast(to=elem) -> y, every float tensor of type
// `elem` (FLOAT16 or FLOAT), with the given float16-representable values.
onnx::ModelProto conv_model(int elem, const std::vector<float>& w, const std::vector<float>& b, float scale) {
  onnx::ModelProto m;
  m.set_ir_version(8);
  m.add_opset_import()->set_version(17);
  auto* g = m.mutable_graph();
  g->set_name("fp16");
  auto add_init = [&](const std::string& name, const std::vector<int64_t>& dims, const std::vector<float>& v) {
    auto* t = g->add_initializer();
    t->set_name(name);
    t->set_data_type(elem);
    for (int64_t d : dims) t->add_dims(d);
    for (float f : v) {
      if (elem == onnx::TensorProto::FLOAT16) t->add_int32_data(float_to_f16(f));
      else t->add_float_data(f);
    }
  };
  add_init("w", {3, 2, 3, 3}, w);
  add_init("b", {3}, b);
  add_init("s", {}, {scale});
  auto node = [&](const std::string& op, std::vector<std::string> in, const std::string& out) {
    auto* n = g->add_node();
    n->set_op_type(op);
    n->set_name(op);
    for (auto& i : in) n->add_input(i);
    n->add_output(out);
    return n;
  };
  auto* conv = node("Conv", {"x", "w", "b"}, "c");
  auto* pads = conv->add_attribute();
  pads->set_name("pads");
  pads->set_type(onnx::AttributeProto::INTS);
  for (int i = 0; i < 4; ++i) pads->add_ints(1);
  node("Relu", {"c"}, "r");
  node("Mul", {"r", "s"}, "m");
  auto* cast = node("Cast", {"m"}, "y");
  auto* to = cast->add_attribute();
  to->set_name("to");
  to->set_type(onnx::AttributeProto::INT);
  to->set_i(elem);
  *g->add_input() = testing::tensor_info("x", elem, {1, 2, 5, 5});
  *g->add_output() = testing::tensor_info("y", elem, {1, 3, 5, 5});
  return m;
}

std::vector<float> f16_values(size_t n, std::mt19937& rng) {
  std::normal_distribution<float> d;
  std::vector<float> v(n);
  for (float& x : v) x = f16_to_float(float_to_f16(d(rng)));  // representable in float16
  return v;
}

TEST(Float16Model, RunsInFloat32WithFloat16InputsAndOutputs) {
  std::mt19937 rng(5);
  const auto w = f16_values(54, rng), b = f16_values(3, rng), x = f16_values(50, rng);
  testing::TempDir dir;
  std::unique_ptr<Session> half, full;
  ASSERT_TRUE(Session::load(dir.write_model("h.onnx", conv_model(onnx::TensorProto::FLOAT16, w, b, 0.75f)), {}, &half));
  ASSERT_TRUE(Session::load(dir.write_model("f.onnx", conv_model(onnx::TensorProto::FLOAT, w, b, 0.75f)), {}, &full));
  ASSERT_EQ(half->inputs()[0].dtype, DType::F16);
  ASSERT_EQ(half->outputs()[0].dtype, DType::F16);

  Tensor xh(DType::F16, {1, 2, 5, 5}), xf(DType::F32, {1, 2, 5, 5});
  for (size_t i = 0; i < x.size(); ++i) {
    xh.data_as<uint16_t>()[i] = float_to_f16(x[i]);
    xf.data_as<float>()[i] = x[i];
  }
  std::vector<NamedTensor> yh, yf;
  ASSERT_TRUE(half->run({{"x", xh}}, &yh));
  ASSERT_TRUE(full->run({{"x", xf}}, &yf));
  ASSERT_EQ(yh[0].tensor.dtype(), DType::F16);
  int nonzero = 0;
  for (int64_t i = 0; i < yf[0].tensor.numel(); ++i) {
    const float want = yf[0].tensor.data_as<float>()[i];
    ASSERT_EQ(yh[0].tensor.data_as<uint16_t>()[i], float_to_f16(want)) << "element " << i;
    nonzero += want != 0;
  }
  EXPECT_GT(nonzero, 20);

  // Unoptimised (every value under its ONNX name): the same bits, and every value computed in
  // float32 but the output's Cast.
  SessionOptions unoptimized;
  unoptimized.optimize = false;
  std::unique_ptr<Session> half_ref;
  ASSERT_TRUE(Session::load(dir.path().string() + "/h.onnx", unoptimized, &half_ref));
  std::vector<NamedTensor> yr;
  std::vector<std::string> computed;  // "op:TYPE" of every value a node computed
  Status st = half_ref->run_observed({{"x", xh}}, &yr, [&](const ObservedValue& v) {
    if (!v.op_type.empty()) computed.push_back(v.op_type + ":" + dtype_name(v.tensor.dtype()));
  });
  ASSERT_TRUE(st) << st.message();
  EXPECT_EQ(computed.size(), 6u);  // Cast in, Conv, Relu, Mul, Cast (now to float32), Cast out
  // Every layer computed float32; only the Cast that makes the output writes float16.
  int float16_writes = 0;
  for (const std::string& c : computed) {
    if (c == "Cast:FLOAT16") ++float16_writes;
    else EXPECT_EQ(c.substr(c.find(':')), ":FLOAT") << c;
  }
  EXPECT_EQ(float16_writes, 1);

  // The profile says so too: the arithmetic layers' DataType is FLOAT.
  ProfileOptions o;
  o.warmup = 0;
  o.runs = 1;
  PerfReport r;
  ASSERT_TRUE(evaluate_performance(*half, {{"x", xh}}, o, Roofs{}, &r));
  int float_layers = 0;
  for (const LayerProfile& l : r.layers)
    if (l.op_type != "Cast") {
      EXPECT_EQ(l.data_type, "FLOAT") << l.op_type;
      ++float_layers;
    }
  EXPECT_GT(float_layers, 0);
}

// y = If(c, then: x * 3, else: x + 0.5), x and y float16, the constants float16 inside the
// bodies: the bodies become float32 with the graph around them.
TEST(Float16Model, ControlFlowBodiesComputeInFloat32Too) {
  auto body = [](const std::string& op, float k) {
    onnx::GraphProto b;
    b.set_name(op);
    auto* t = b.add_initializer();
    t->set_name("k");
    t->set_data_type(onnx::TensorProto::FLOAT16);
    t->add_int32_data(float_to_f16(k));
    auto* n = b.add_node();
    n->set_op_type(op);
    n->set_name(op);
    n->add_input(std::string("x"));
    n->add_input(std::string("k"));
    n->add_output(std::string("out"));
    *b.add_output() = testing::tensor_info("out", onnx::TensorProto::FLOAT16, {4});
    return b;
  };
  onnx::ModelProto m;
  m.set_ir_version(8);
  m.add_opset_import()->set_version(17);
  auto* g = m.mutable_graph();
  g->set_name("if_fp16");
  auto* n = g->add_node();
  n->set_op_type("If");
  n->set_name("if");
  n->add_input(std::string("c"));
  n->add_output(std::string("y"));
  for (auto [name, op, k] : {std::tuple{"then_branch", "Mul", 3.f}, std::tuple{"else_branch", "Add", 0.5f}}) {
    auto* a = n->add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::GRAPH);
    *a->mutable_g() = body(op, k);
  }
  *g->add_input() = testing::tensor_info("c", onnx::TensorProto::BOOL, {});
  *g->add_input() = testing::tensor_info("x", onnx::TensorProto::FLOAT16, {4});
  *g->add_output() = testing::tensor_info("y", onnx::TensorProto::FLOAT16, {4});
  testing::TempDir dir;
  std::unique_ptr<Session> s;
  Status st = Session::load(dir.write_model("if.onnx", m), {}, &s);
  ASSERT_TRUE(st) << st.message();
  const std::vector<float> x = {1.5f, -2.f, 0.25f, 7.f};
  Tensor xh(DType::F16, {4});
  for (int i = 0; i < 4; ++i) xh.data_as<uint16_t>()[i] = float_to_f16(x[i]);
  for (bool c : {true, false}) {
    Tensor ct(DType::Bool, {});
    ct.data_as<uint8_t>()[0] = c;
    std::vector<NamedTensor> y;
    st = s->run({{"c", ct}, {"x", xh}}, &y);
    ASSERT_TRUE(st) << st.message();
    ASSERT_EQ(y[0].tensor.dtype(), DType::F16);
    for (int i = 0; i < 4; ++i)
      EXPECT_EQ(f16_to_float(y[0].tensor.data_as<uint16_t>()[i]), c ? x[i] * 3 : x[i] + 0.5f) << c << " " << i;
  }
}

}  // namespace
}  // namespace layerscope
