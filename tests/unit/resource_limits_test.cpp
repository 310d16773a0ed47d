// Hostile sizes are refused before anything is allocated (issue 10, item 3): enormous declared
// inputs, initializers claiming more bytes than the file holds, shapes whose element count
// overflows, outputs inferred (or computed at run time) beyond the memory limit, and whole plans
// over SessionOptions::max_memory_bytes. Each case fails with a message naming the file, the node
// or value and the sizes. These tests also run under AddressSanitizer, which would abort on an
// allocation of terabytes, so "nothing was allocated" is checked, not only claimed.
#include <gtest/gtest.h>

#include "layerscope/session.h"
#include "onnx_builder.h"

namespace layerscope {
namespace {

using testing::single_node_model;
using testing::TempDir;
using testing::tensor_info;

#define EXPECT_HAS(text, part) EXPECT_NE((text).find(part), std::string::npos) << (text)

std::string load_error(const std::string& path, uint64_t max_memory = 0) {
  std::unique_ptr<Session> s;
  SessionOptions o;
  o.max_memory_bytes = max_memory;
  Status st = Session::load(path, o, &s);
  EXPECT_FALSE(st) << "expected loading '" << path << "' to fail";
  return st.message();
}

onnx::TensorProto int64_tensor(const std::string& name, const std::vector<int64_t>& values) {
  onnx::TensorProto t;
  t.set_name(name);
  t.set_data_type(onnx::TensorProto::INT64);
  t.add_dims(static_cast<int64_t>(values.size()));
  for (int64_t v : values) t.add_int64_data(v);
  return t;
}

TEST(ResourceLimits, EnormousDeclaredInputIsRefusedAtLoad) {
  TempDir dir;
  std::string m = load_error(dir.write_model("huge.onnx", single_node_model("Relu", {1, 3, 1000000, 1000000})));
  EXPECT_HAS(m, "huge.onnx");
  EXPECT_HAS(m, "graph input 'x'");
  EXPECT_HAS(m, "(1,3,1000000,1000000)");
  EXPECT_HAS(m, "10.91 TiB");
  EXPECT_HAS(m, "memory limit");
}

TEST(ResourceLimits, InputWhoseElementCountOverflowsIsRefused) {
  TempDir dir;
  const int64_t big = int64_t{1} << 32;
  std::string m = load_error(dir.write_model("overflow.onnx", single_node_model("Relu", {big, big, 16})));
  EXPECT_HAS(m, "graph input 'x'");
  EXPECT_HAS(m, "more elements than a 64-bit size can count");
}

TEST(ResourceLimits, NegativeDeclaredInputDimIsRefused) {
  TempDir dir;
  // (single_node_model turns negative dims into a symbol: the -3 is set by hand.)
  onnx::ModelProto model = single_node_model("Relu", {1, 2, 4});
  model.mutable_graph()
      ->mutable_input(0)
      ->mutable_type()
      ->mutable_tensor_type()
      ->mutable_shape()
      ->mutable_dim(1)
      ->set_dim_value(-3);
  std::string m = load_error(dir.write_model("neg.onnx", model));
  EXPECT_HAS(m, "neg.onnx");
  EXPECT_HAS(m, "'x' (graph input) declares dimension 1 as -3");
}

TEST(ResourceLimits, InitializerClaimingMoreThanTheFileHoldsIsRefusedBeforeAllocating) {
  TempDir dir;
  onnx::ModelProto model = single_node_model("Add", {4});
  model.mutable_graph()->mutable_node(0)->add_input("w");
  auto* w = model.mutable_graph()->add_initializer();
  w->set_name("w");
  w->set_data_type(onnx::TensorProto::FLOAT);
  w->add_dims(int64_t{1} << 40);  // 4 TiB claimed, 4 values present
  for (int i = 0; i < 4; ++i) w->add_float_data(1.0f);
  std::string m = load_error(dir.write_model("liar.onnx", model));
  EXPECT_HAS(m, "initializer 'w'");
  EXPECT_HAS(m, "has 4 values for shape (1099511627776)");

  w->clear_float_data();
  w->set_raw_data(std::string(16, '\0'));
  m = load_error(dir.write_model("liar_raw.onnx", model));
  EXPECT_HAS(m, "raw_data has 16 bytes");

  w->clear_raw_data();
  w->set_data_location(onnx::TensorProto::EXTERNAL);
  auto add_kv = [&](const std::string& k, const std::string& v) {
    auto* kv = w->add_external_data();
    kv->set_key(k);
    kv->set_value(v);
  };
  add_kv("location", "w.bin");
  dir.write("w.bin", std::string(16, '\0'));
  m = load_error(dir.write_model("liar_ext.onnx", model));
  EXPECT_HAS(m, "external data file");
  EXPECT_HAS(m, "has 16 bytes; need 4398046511104 at offset 0");
}

TEST(ResourceLimits, ExternalDataNumbersAreCheckedNotThrown) {
  TempDir dir;
  onnx::ModelProto model = single_node_model("Add", {4});
  model.mutable_graph()->mutable_node(0)->add_input("w");
  auto* w = model.mutable_graph()->add_initializer();
  w->set_name("w");
  w->set_data_type(onnx::TensorProto::FLOAT);
  w->add_dims(4);
  w->set_data_location(onnx::TensorProto::EXTERNAL);
  auto* loc = w->add_external_data();
  loc->set_key("location");
  loc->set_value("w.bin");
  auto* len = w->add_external_data();
  dir.write("w.bin", std::string(16, '\0'));

  len->set_key("length");
  len->set_value("sixteen");
  std::string m = load_error(dir.write_model("text_length.onnx", model));
  EXPECT_HAS(m, "external data 'length' is 'sixteen'; expected a non-negative decimal integer");
  EXPECT_EQ(m.find("stoll"), std::string::npos) << m;

  // offset + length would overflow int64: refused by the bounds check, not wrapped past it.
  len->set_key("offset");
  len->set_value("9223372036854775800");
  m = load_error(dir.write_model("far_offset.onnx", model));
  EXPECT_HAS(m, "expected a non-negative decimal integer");
  len->set_value("999999999999999999");
  m = load_error(dir.write_model("far_offset2.onnx", model));
  EXPECT_HAS(m, "has 16 bytes; need 16 at offset 999999999999999999");
}

// Expand(x, shape) with a constant target shape of 2^44 elements (64 TiB of float): inference knows the output
// size, which is refused before the folding or the arena could allocate it.
onnx::ModelProto expand_model(const std::vector<int64_t>& target, bool shape_is_input) {
  onnx::ModelProto m = single_node_model("Expand", {1});
  auto* g = m.mutable_graph();
  g->mutable_node(0)->add_input("shape");
  if (shape_is_input) *g->add_input() = tensor_info("shape", onnx::TensorProto::INT64, {1});
  else *g->add_initializer() = int64_tensor("shape", target);
  g->mutable_output(0)->mutable_type()->mutable_tensor_type()->clear_shape();
  return m;
}

TEST(ResourceLimits, InferredOutputOverTheLimitNamesTheNode) {
  TempDir dir;
  std::string m = load_error(dir.write_model("expand.onnx", expand_model({int64_t{1} << 44}, false)));
  EXPECT_HAS(m, "expand.onnx");
  EXPECT_HAS(m, "'Expand' node 'the_node'");
  EXPECT_HAS(m, "output 'y' would have shape (17592186044416) of FLOAT = 64.00 TiB");
  EXPECT_HAS(m, "nothing was allocated");
}

TEST(ResourceLimits, FoldedConstantOverTheLimitIsNotComputed) {
  TempDir dir;
  onnx::ModelProto m = single_node_model("Add", {1});
  auto* g = m.mutable_graph();
  *g->add_initializer() = int64_tensor("shape", {int64_t{1} << 22, int64_t{1} << 22});
  auto* fill = g->add_node();
  fill->set_op_type("ConstantOfShape");
  fill->set_name("fill");
  fill->add_input("shape");
  fill->add_output("big");
  g->mutable_node(0)->add_input("big");
  // the fill node runs first
  g->mutable_node()->SwapElements(0, 1);
  g->mutable_output(0)->mutable_type()->mutable_tensor_type()->clear_shape();
  std::string msg = load_error(dir.write_model("fill.onnx", m));
  EXPECT_HAS(msg, "'ConstantOfShape' node 'fill'");
  EXPECT_HAS(msg, "64.00 TiB");
}

TEST(ResourceLimits, RunTimeShapeOverTheLimitFailsTheRunCleanly) {
  TempDir dir;
  std::unique_ptr<Session> s;
  ASSERT_TRUE(Session::load(dir.write_model("expand_dyn.onnx", expand_model({}, true)), {}, &s));
  Tensor x(DType::F32, {1});
  Tensor shape(DType::I64, {1});
  shape.data_as<int64_t>()[0] = int64_t{1} << 44;
  std::vector<NamedTensor> out;
  Status st = s->run({{"x", x}, {"shape", shape}}, &out);
  ASSERT_FALSE(st);
  EXPECT_HAS(st.message(), "'Expand' node 'the_node'");
  EXPECT_HAS(st.message(), "computed at run time");
  EXPECT_HAS(st.message(), "64.00 TiB");
  // The session still works with a sane shape.
  shape.data_as<int64_t>()[0] = 8;
  st = s->run({{"x", x}, {"shape", shape}}, &out);
  ASSERT_TRUE(st) << st.message();
  EXPECT_EQ(out[0].tensor.shape(), (Shape{8}));
}

TEST(ResourceLimits, MaxMemoryBoundsThePlan) {
  TempDir dir;
  const std::string path = dir.write_model("relu.onnx", single_node_model("Relu", {256, 1024}));  // 1 MiB each
  std::string m = load_error(path, 512 * 1024);
  EXPECT_HAS(m, "graph input 'x'");
  EXPECT_HAS(m, "1.00 MiB, more than the memory limit of 512.00 KiB (--max-memory)");

  // Each tensor fits, but mid = Relu(x) and y = Neg(mid) are alive together (mid has a second
  // reader, so y cannot take its buffer): the arena needs 2 MiB.
  onnx::ModelProto two = single_node_model("Relu", {256, 1024});
  auto* g = two.mutable_graph();
  g->mutable_node(0)->set_output(0, "mid");
  for (const char* out : {"y", "y2"}) {
    auto* neg = g->add_node();
    neg->set_op_type("Neg");
    neg->set_name(std::string("neg_") + out);
    neg->add_input("mid");
    neg->add_output(out);
  }
  *g->add_output() = tensor_info("y2", onnx::TensorProto::FLOAT, {256, 1024});
  m = load_error(dir.write_model("two.onnx", two), 1536 * 1024);
  EXPECT_HAS(m, "the execution plan needs");
  EXPECT_HAS(m, "more than the memory limit of 1.50 MiB (--max-memory)");

  std::unique_ptr<Session> s;
  SessionOptions o;
  o.max_memory_bytes = 64 << 20;
  EXPECT_TRUE(Session::load(path, o, &s));
}

}  // namespace
}  // namespace layerscope
