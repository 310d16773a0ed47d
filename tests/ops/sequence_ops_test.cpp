// The Sequence and Optional ops (ops/sequence/) through the whole stack: the loader's sequence
// and optional types, the planner (always dynamic steps), the executor's value steps
// (runtime/value_steps.cpp) and Session::run_values; and bad input giving an Error that names the
// node and what was expected, never a crash. Models are built here with the protobuf API.
#include <gtest/gtest.h>

#include "layerscope/session.h"
#include "unit/session_test_util.h"

namespace layerscope {
namespace {

using testing::floats;
using testing::int64;
using testing::node;
using testing::tensor_info;
using testing::values;
constexpr int kF = onnx::TensorProto::FLOAT, kI = onnx::TensorProto::INT64;

#define EXPECT_HAS(text, part) EXPECT_NE((text).find(part), std::string::npos) << (text)

onnx::NodeProto with_int(onnx::NodeProto n, const std::string& attr, int64_t v) {
  auto* a = n.add_attribute();
  a->set_name(attr);
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(v);
  return n;
}

onnx::ValueInfoProto seq_info(const std::string& name, int elem) {
  onnx::ValueInfoProto v;
  v.set_name(name);
  v.mutable_type()->mutable_sequence_type()->mutable_elem_type()->mutable_tensor_type()->set_elem_type(elem);
  return v;
}

onnx::ValueInfoProto opt_info(const std::string& name, int elem) {
  onnx::ValueInfoProto v;
  v.set_name(name);
  v.mutable_type()->mutable_optional_type()->mutable_elem_type()->mutable_tensor_type()->set_elem_type(elem);
  return v;
}

onnx::ModelProto model(const std::vector<onnx::NodeProto>& nodes, const std::vector<onnx::ValueInfoProto>& in,
                       const std::vector<onnx::ValueInfoProto>& out, int opset = 18) {
  onnx::ModelProto m;
  m.set_ir_version(8);
  auto* o = m.add_opset_import();
  o->set_domain("");
  o->set_version(opset);
  auto* g = m.mutable_graph();
  g->set_name("seq");
  for (const auto& n : nodes) *g->add_node() = n;
  for (const auto& i : in) *g->add_input() = i;
  for (const auto& x : out) *g->add_output() = x;
  return m;
}

class SequenceOps : public testing::SessionTest {
 protected:
  std::vector<NamedValue> run(Session& s, const std::vector<NamedValue>& in) {
    std::vector<NamedValue> out;
    Status st = s.run_values(in, &out);
    EXPECT_TRUE(st) << st.message();
    return out;
  }
  // The message of a run that must fail.
  std::string run_error(const onnx::ModelProto& m, const std::vector<NamedValue>& in) {
    std::unique_ptr<Session> s = load(m);
    if (!s) return "(not loaded)";
    std::vector<NamedValue> out;
    Status st = s->run_values(in, &out);
    EXPECT_FALSE(st);
    return st.message();
  }
};

// x, y -> [x, y] -> insert x at the front -> [x, x, y]: its last tensor and its length.
TEST_F(SequenceOps, ConstructInsertAtLength) {
  auto s = load(model(
      {node("SequenceConstruct", {"x", "y"}, {"s"}), node("SequenceInsert", {"s", "x", "zero"}, {"s2"}),
       node("SequenceAt", {"s2", "last"}, {"at"}), node("SequenceLength", {"s2"}, {"len"})},
      {tensor_info("x", kF, {2}), tensor_info("y", kF, {3}), tensor_info("zero", kI, {}), tensor_info("last", kI, {})},
      {tensor_info("at", kF, {-1}), tensor_info("len", kI, {})}));
  // Tensor outputs: plain Session::run serves the model.
  std::vector<NamedTensor> out;
  Status st = s->run(
      {{"x", floats({2}, {1, 2})}, {"y", floats({3}, {3, 4, 5})}, {"zero", int64(0)}, {"last", int64(-1)}}, &out);
  ASSERT_TRUE(st) << st.message();
  EXPECT_EQ(values(out[0].tensor), (std::vector<float>{3, 4, 5}));
  EXPECT_EQ(*out[1].tensor.data_as<int64_t>(), 3);
}

// A sequence graph input and output: given and read with run_values; run() refuses them by name.
TEST_F(SequenceOps, SequenceInputAndOutput) {
  auto m = model({node("SequenceErase", {"in"}, {"out"})}, {seq_info("in", kF)}, {seq_info("out", kF)});
  auto s = load(m);
  ASSERT_EQ(s->inputs()[0].type.kind, ValueKind::Sequence);
  auto out = run(*s, {{"in", AnyValue::of_sequence(DType::F32, {floats({1}, {7}), floats({2}, {8, 9})})}});
  ASSERT_EQ(out[0].value.type.kind, ValueKind::Sequence);
  ASSERT_EQ(out[0].value.sequence.size(), 1u);
  EXPECT_EQ(values(out[0].value.sequence[0]), (std::vector<float>{7}));

  std::vector<NamedTensor> tensors;
  Status st = s->run({{"in", floats({1}, {7})}}, &tensors);
  ASSERT_FALSE(st);
  EXPECT_HAS(st.message(), "input 'in' is seq(tensor(FLOAT))");
  EXPECT_HAS(st.message(), "run_values");
  // A sequence of the wrong element type.
  std::vector<NamedValue> bad_out;
  st = s->run_values({{"in", AnyValue::of_sequence(DType::I64, {int64(1)})}}, &bad_out);
  ASSERT_FALSE(st);
  EXPECT_HAS(st.message(), "seq(tensor(INT64))");
  EXPECT_HAS(st.message(), "the model expects seq(tensor(FLOAT))");
}

// SplitToSequence (scalar split, last piece shorter) and back with ConcatFromSequence; and the
// pieces stacked along a new axis (keepdims = 0 pieces of one row).
TEST_F(SequenceOps, SplitAndConcat) {
  auto s = load(model({node("SplitToSequence", {"x", "two"}, {"parts"}),
                       with_int(node("ConcatFromSequence", {"parts"}, {"back"}), "axis", 0),
                       with_int(with_int(node("SplitToSequence", {"x"}, {"rows"}), "keepdims", 0), "axis", 0),
                       with_int(with_int(node("ConcatFromSequence", {"rows"}, {"stacked"}), "axis", 1), "new_axis", 1)},
                      {tensor_info("x", kF, {3, 2}), tensor_info("two", kI, {})},
                      {seq_info("parts", kF), tensor_info("back", kF, {3, 2}), tensor_info("stacked", kF, {2, 3})}));
  auto out = run(*s, {{"x", AnyValue(floats({3, 2}, {1, 2, 3, 4, 5, 6}))}, {"two", AnyValue(int64(2))}});
  ASSERT_EQ(out[0].value.sequence.size(), 2u);
  EXPECT_EQ(out[0].value.sequence[1].shape(), (Shape{1, 2}));
  EXPECT_EQ(values(out[1].value.tensor), (std::vector<float>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(out[2].value.tensor.shape(), (Shape{2, 3}));
  EXPECT_EQ(values(out[2].value.tensor), (std::vector<float>{1, 3, 5, 2, 4, 6}));
}

TEST_F(SequenceOps, OptionalWrapsAndTells) {
  auto s =
      load(model({node("Optional", {"x"}, {"o"}), node("OptionalHasElement", {"o"}, {"has"}),
                  node("OptionalGetElement", {"o"}, {"back"})},
                 {tensor_info("x", kF, {2})},
                 {opt_info("o", kF), tensor_info("has", onnx::TensorProto::BOOL, {}), tensor_info("back", kF, {2})}));
  auto out = run(*s, {{"x", AnyValue(floats({2}, {1, 2}))}});
  EXPECT_TRUE(out[0].value.has_element);
  EXPECT_TRUE(*out[1].value.tensor.data_as<bool>());
  EXPECT_EQ(values(out[2].value.tensor), (std::vector<float>{1, 2}));
}

// SequenceMap: body(element, t) = element + t for every tensor of the sequence.
TEST_F(SequenceOps, SequenceMapAddsATensor) {
  onnx::GraphProto body;
  body.set_name("body");
  *body.add_node() = node("Add", {"e", "t"}, {"sum"});
  *body.add_input() = tensor_info("e", kF, {-1});
  *body.add_input() = tensor_info("t", kF, {1});
  *body.add_output() = tensor_info("sum", kF, {-1});
  onnx::NodeProto map = node("SequenceMap", {"in", "t"}, {"out"});
  auto* a = map.add_attribute();
  a->set_name("body");
  a->set_type(onnx::AttributeProto::GRAPH);
  *a->mutable_g() = body;
  auto s = load(model({map}, {seq_info("in", kF), tensor_info("t", kF, {1})}, {seq_info("out", kF)}));
  auto out = run(*s, {{"in", AnyValue::of_sequence(DType::F32, {floats({2}, {1, 2}), floats({1}, {5})})},
                      {"t", AnyValue(floats({1}, {10}))}});
  ASSERT_EQ(out[0].value.sequence.size(), 2u);
  EXPECT_EQ(values(out[0].value.sequence[0]), (std::vector<float>{11, 12}));
  EXPECT_EQ(values(out[0].value.sequence[1]), (std::vector<float>{15}));
}

// ---- Bad input: an Error naming the node and what was expected ----

TEST_F(SequenceOps, PositionOutOfRange) {
  auto m = model({node("SequenceAt", {"in", "p"}, {"y"})}, {seq_info("in", kF), tensor_info("p", kI, {})},
                 {tensor_info("y", kF, {-1})});
  const AnyValue two = AnyValue::of_sequence(DType::F32, {floats({1}, {1}), floats({1}, {2})});
  const std::string e = run_error(m, {{"in", two}, {"p", AnyValue(int64(2))}});
  EXPECT_HAS(e, "'SequenceAt' node 'SequenceAt_y'");
  EXPECT_HAS(e, "position 2 is out of range for a sequence of 2 tensors (accepted: -2 to 1)");
  EXPECT_HAS(run_error(m, {{"in", two}, {"p", AnyValue(int64(-3))}}), "position -3 is out of range");
  EXPECT_HAS(run_error(m, {{"in", AnyValue::of_sequence(DType::F32, {})}, {"p", AnyValue(int64(0))}}),
             "the sequence is empty");
}

TEST_F(SequenceOps, EmptySequenceWhereNotAllowed) {
  auto concat = model({node("SequenceEmpty", {}, {"e"}), with_int(node("ConcatFromSequence", {"e"}, {"y"}), "axis", 0)},
                      {}, {tensor_info("y", kF, {-1})});
  std::unique_ptr<Session> s = load(concat);
  ASSERT_TRUE(s);  // a model without inputs is planned at load; the error comes when it runs
  std::vector<NamedValue> out;
  Status st = s->run_values({}, &out);
  ASSERT_FALSE(st);
  EXPECT_HAS(st.message(), "'ConcatFromSequence' node 'ConcatFromSequence_y'");
  EXPECT_HAS(st.message(), "the sequence is empty");

  auto erase = model({node("SequenceEmpty", {}, {"e"}), node("SequenceErase", {"e"}, {"y"})}, {}, {seq_info("y", kF)});
  EXPECT_HAS(run_error(erase, {}), "'SequenceErase' node 'SequenceErase_y' (opset 18): position -1 is out of range");

  auto get =
      model({node("Optional", {}, {"o"}), node("OptionalGetElement", {"o"}, {"y"})}, {}, {tensor_info("y", kF, {-1})});
  auto* type = get.mutable_graph()->mutable_node(0)->add_attribute();
  type->set_name("type");
  type->set_type(onnx::AttributeProto::TYPE_PROTO);
  type->mutable_tp()->mutable_tensor_type()->set_elem_type(kF);
  EXPECT_HAS(run_error(get, {}), "input 0 is an empty optional(tensor(FLOAT)); it has no element to get");
}

TEST_F(SequenceOps, WrongElementType) {
  auto mixed = model({node("SequenceConstruct", {"x", "i"}, {"s"})},
                     {tensor_info("x", kF, {1}), tensor_info("i", kI, {})}, {seq_info("s", kF)});
  EXPECT_HAS(load_error(mixed), "input 1 is INT64 but input 0 is FLOAT; a sequence holds one element type");

  auto insert = model({node("SequenceInsert", {"in", "i"}, {"s"})}, {seq_info("in", kF), tensor_info("i", kI, {})},
                      {seq_info("s", kF)});
  EXPECT_HAS(run_error(insert, {{"in", AnyValue::of_sequence(DType::F32, {})}, {"i", AnyValue(int64(1))}}),
             "input 1 (tensor) is INT64 but the sequence holds FLOAT");

  auto at_float = model({node("SequenceAt", {"in", "p"}, {"y"})}, {seq_info("in", kF), tensor_info("p", kF, {})},
                        {tensor_info("y", kF, {-1})});
  EXPECT_HAS(run_error(at_float, {{"in", AnyValue::of_sequence(DType::F32, {floats({1}, {1})})},
                                  {"p", AnyValue(floats({}, {0}))}}),
             "'SequenceAt' node 'SequenceAt_y'");
}

// A sequence reaching an op that takes tensors: refused, naming both nodes.
TEST_F(SequenceOps, SequenceIntoTensorOp) {
  auto m = model({node("SequenceConstruct", {"x"}, {"s"}), node("Relu", {"s"}, {"y"})}, {tensor_info("x", kF, {1})},
                 {tensor_info("y", kF, {1})});
  const std::string e = run_error(m, {{"x", AnyValue(floats({1}, {1}))}});
  EXPECT_HAS(e, "'SequenceConstruct' node 'SequenceConstruct_s' (opset 18): output 's' is seq(tensor(FLOAT))");
  EXPECT_HAS(e, "'Relu' node 'Relu_y' (opset 18) reads it and takes tensors only");
}

// Optional-15 takes only optionals; OptionalHasElement-18 also takes a tensor (true).
TEST_F(SequenceOps, OptionalOpsByOpset) {
  auto has15 = model({node("OptionalHasElement", {"x"}, {"h"})}, {tensor_info("x", kF, {1})},
                     {tensor_info("h", onnx::TensorProto::BOOL, {})}, 15);
  EXPECT_HAS(load_error(has15),
             "input 0 must be an optional, got tensor(FLOAT) (a tensor or sequence is accepted from opset 18)");
  auto has18 = model({node("OptionalHasElement", {"x"}, {"h"})}, {tensor_info("x", kF, {1})},
                     {tensor_info("h", onnx::TensorProto::BOOL, {})}, 18);
  auto s = load(has18);
  EXPECT_TRUE(*run(*s, {{"x", AnyValue(floats({1}, {1}))}})[0].value.tensor.data_as<bool>());
}

}  // namespace
}  // namespace layerscope
