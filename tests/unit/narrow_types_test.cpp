// The float8 and 4-bit integer types in files and sessions: INT4/UINT4 packing (odd counts,
// sign extension) in raw_data, int32_data and external data; float8 initializers and inputs;
// models converting through them; every other op refusing them at load, naming node, op and type;
// and the byte counts a plan holds them in (one byte per element).
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <cmath>
#include <cstring>
#include <tuple>

#include "ir/float8.h"
#include "ir/int4.h"
#include "layerscope/profile.h"
#include "onnx/tensor_proto.h"
#include "unit/session_test_util.h"

namespace layerscope {
namespace {

using testing::floats;
using testing::graph;
using testing::model;
using testing::node;
using testing::SessionTest;
using testing::set_int;
using testing::TempDir;
using testing::tensor_info;
using testing::values;

constexpr int kFloat8E4M3FN = 17, kUint4 = 21, kInt4 = 22;

std::vector<int> elements(const Tensor& t) {
  std::vector<int> v;
  for (int64_t i = 0; i < t.numel(); ++i)
    v.push_back(t.dtype() == DType::I4 ? t.data_as<int8_t>()[i] : t.data_as<uint8_t>()[i]);
  return v;
}

std::string error_of(const onnx::TensorProto& p) {
  try {
    tensor_from_proto(p, ".", "initializer 'w'");
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

TEST(Int4, NibblesSignExtendForInt4Only) {
  for (int n = 0; n < 16; ++n) {
    EXPECT_EQ(static_cast<int8_t>(int4_from_nibble(static_cast<uint8_t>(n), DType::I4)), n < 8 ? n : n - 16) << n;
    EXPECT_EQ(int4_from_nibble(static_cast<uint8_t>(n), DType::U4), n) << n;
    EXPECT_EQ(int4_from_nibble(static_cast<uint8_t>(0xA0 | n), DType::U4), n) << "high bits are ignored";
  }
}

TEST(Int4, PacksLowNibbleFirstWithOddCounts) {
  // -8..7 as INT4: [1, -2, 3, -8, 7] -> 0xE1 (second in the high half), 0x83, 0x07 (high half 0).
  const int8_t i4[] = {1, -2, 3, -8, 7};
  uint8_t packed[3] = {0xAA, 0xAA, 0xAA};
  pack_int4(reinterpret_cast<const uint8_t*>(i4), 5, packed);
  EXPECT_EQ(packed[0], 0xE1);
  EXPECT_EQ(packed[1], 0x83);
  EXPECT_EQ(packed[2], 0x07);
  EXPECT_EQ(packed_int4_bytes(5), 3);
  EXPECT_EQ(packed_int4_bytes(4), 2);
  EXPECT_EQ(packed_int4_bytes(0), 0);
  int8_t back[5];
  unpack_int4(packed, 5, DType::I4, reinterpret_cast<uint8_t*>(back));
  EXPECT_EQ(std::memcmp(back, i4, 5), 0);
  // A stray high half in an odd count's last byte is not an element.
  packed[2] = 0xF7;
  unpack_int4(packed, 5, DType::I4, reinterpret_cast<uint8_t*>(back));
  EXPECT_EQ(back[4], 7);
  const uint8_t u4[] = {15, 0, 9};
  pack_int4(u4, 3, packed);
  EXPECT_EQ(packed[0], 0x0F);
  EXPECT_EQ(packed[1], 0x09);
  EXPECT_EQ(int4_out_of_range(u4, 3, DType::U4), -1);
  const uint8_t bad[] = {3, 16};
  EXPECT_EQ(int4_out_of_range(bad, 2, DType::U4), 1);
  const int8_t bad_i4[] = {-9};
  EXPECT_EQ(int4_out_of_range(reinterpret_cast<const uint8_t*>(bad_i4), 1, DType::I4), 0);
}

TEST(Int4, TensorProtoRawDataAndInt32Data) {
  onnx::TensorProto p;
  p.set_name("w");
  p.set_data_type(kInt4);
  p.add_dims(5);
  p.set_raw_data(std::string("\xE1\x83\x07", 3));
  Tensor t = tensor_from_proto(p, ".", "initializer 'w'");
  EXPECT_EQ(t.dtype(), DType::I4);
  EXPECT_EQ(t.nbytes(), 5u);  // one byte per element in memory
  EXPECT_EQ(elements(t), (std::vector<int>{1, -2, 3, -8, 7}));
  // Written back packed (the writer of quantized models and single-layer models uses this).
  const onnx::TensorProto q = tensor_to_proto("w", t);
  EXPECT_EQ(q.raw_data(), std::string("\xE1\x83\x07", 3));
  // The file's size is the packed size: 5 elements need 3 bytes, not 5 (nor 2).
  p.set_raw_data(std::string(5, '\0'));
  EXPECT_NE(error_of(p).find("raw_data has 5 bytes; shape (5) of INT4 needs 3"), std::string::npos) << error_of(p);
  // int32_data: one packed byte (two elements) per value, as the backend test data store them.
  onnx::TensorProto u;
  u.set_data_type(kUint4);
  u.add_dims(3);
  u.add_int32_data(0x0F);
  u.add_int32_data(0x09);
  EXPECT_EQ(elements(tensor_from_proto(u, ".", "x")), (std::vector<int>{15, 0, 9}));
  u.add_int32_data(0x01);
  EXPECT_NE(error_of(u).find("has 3 int32_data values for shape (3) of UINT4; expected 2"), std::string::npos)
      << error_of(u);
}

TEST(Int4, ExternalDataIsPacked) {
  TempDir dir;
  dir.write("w.bin", std::string("\x21\x43\x05", 3));  // 1, 2, 3, 4, 5
  onnx::TensorProto p;
  p.set_data_type(kUint4);
  p.add_dims(5);
  p.set_data_location(onnx::TensorProto::EXTERNAL);
  auto* kv = p.add_external_data();
  kv->set_key("location");
  kv->set_value("w.bin");
  EXPECT_EQ(elements(tensor_from_proto(p, dir.path().string(), "w")), (std::vector<int>{1, 2, 3, 4, 5}));
  auto* len = p.add_external_data();
  len->set_key("length");
  len->set_value("5");
  std::string e;
  try {
    tensor_from_proto(p, dir.path().string(), "w");
  } catch (const std::exception& ex) {
    e = ex.what();
  }
  EXPECT_NE(e.find("length 5 does not match the tensor's 3 bytes"), std::string::npos) << e;
}

TEST(Float8Proto, RawDataAndInt32Data) {
  onnx::TensorProto p;
  p.set_data_type(kFloat8E4M3FN);
  p.add_dims(2);
  p.set_raw_data(std::string("\x38\xFE", 2));
  Tensor t = tensor_from_proto(p, ".", "x");
  EXPECT_EQ(t.dtype(), DType::F8E4M3FN);
  EXPECT_EQ(float8_to_float(t.data_as<uint8_t>()[0], t.dtype()), 1.f);
  EXPECT_EQ(float8_to_float(t.data_as<uint8_t>()[1], t.dtype()), -448.f);
  EXPECT_EQ(tensor_to_proto("w", t).raw_data(), std::string("\x38\xFE", 2));
  onnx::TensorProto q;
  q.set_data_type(kFloat8E4M3FN);
  q.add_dims(2);
  q.add_int32_data(0x38);  // one value per element
  q.add_int32_data(0x7F);
  Tensor u = tensor_from_proto(q, ".", "x");
  EXPECT_TRUE(std::isnan(float8_to_float(u.data_as<uint8_t>()[1], u.dtype())));
}

// x (float) -> QuantizeLinear to `zp`'s type -> DequantizeLinear -> y, opset 21.
onnx::ModelProto qdq_model(int zp_type, const std::string& zp_bytes, const std::vector<int64_t>& scale_dims = {}) {
  onnx::NodeProto q = node("QuantizeLinear", {"x", "s", "z"}, {"q"}, "quant");
  onnx::NodeProto dq = node("DequantizeLinear", {"q", "s", "z"}, {"y"}, "dequant");
  if (!scale_dims.empty()) {
    set_int(q, "axis", 0);
    set_int(dq, "axis", 0);
  }
  onnx::ModelProto m = model(graph("qdq", {q, dq}, {tensor_info("x", 1, {3})}, {tensor_info("y", 1, {3})}), 21);
  m.set_ir_version(10);
  auto* g = m.mutable_graph();
  auto* s = g->add_initializer();
  s->set_name("s");
  s->set_data_type(1);
  for (int64_t d : scale_dims) s->add_dims(d);
  const float scale[] = {2.f, 2.f, 2.f};
  s->set_raw_data(std::string(reinterpret_cast<const char*>(scale), scale_dims.empty() ? 4 : 12));
  auto* z = g->add_initializer();
  z->set_name("z");
  z->set_data_type(zp_type);
  for (int64_t d : scale_dims) z->add_dims(d);
  z->set_raw_data(zp_bytes);
  return m;
}

using NarrowModels = SessionTest;

TEST_F(NarrowModels, QuantizeDequantizeThroughFloat8AndInt4) {
  // float8: 1000 / 2 = 500 saturates to 448 (E4M3FN); 3 / 2 = 1.5; -0.2 / 2 = -0.1 -> -0.1015625.
  auto f8 = load(qdq_model(kFloat8E4M3FN, std::string("\0", 1)));
  ASSERT_TRUE(f8);
  std::vector<NamedTensor> out;
  ASSERT_TRUE(f8->run({{"x", floats({3}, {1000.f, 3.f, -0.2f})}}, &out));
  EXPECT_EQ(values(out[0].tensor), (std::vector<float>{896.f, 3.f, -0.203125f}));
  // int4, per axis, zero points 1, -8, 7 packed (odd count): round(x / 2) + zp saturated to [-8, 7].
  auto i4 = load(qdq_model(kInt4, std::string("\x81\x07", 2), {3}));
  ASSERT_TRUE(i4);
  ASSERT_TRUE(i4->run({{"x", floats({3}, {5.f, 7.f, 3.f})}}, &out));
  // 5/2 = 2.5 -> 2, +1 = 3 -> (3-1)*2 = 4; 7/2 = 3.5 -> 4, -8 = -4 -> 8; 3/2 = 1.5 -> 2, +7 = 9 -> 7 -> 0.
  EXPECT_EQ(values(out[0].tensor), (std::vector<float>{4.f, 8.f, 0.f}));
  // In memory an INT4 tensor takes a byte per element, as INT8 does: the plan counts it so.
  auto i8 = load(qdq_model(onnx::TensorProto::INT8, std::string("\x01\xF8\x07", 3), {3}));
  ASSERT_TRUE(i8);
  ASSERT_TRUE(i8->run({{"x", floats({3}, {5.f, 7.f, 3.f})}}, &out));
  PlanSummary with_i4, with_i8;
  ASSERT_TRUE(i4->plan_summary(&with_i4));
  ASSERT_TRUE(i8->plan_summary(&with_i8));
  EXPECT_GT(with_i4.naive_activation_bytes, 0u);
  EXPECT_EQ(with_i4.naive_activation_bytes, with_i8.naive_activation_bytes);
  EXPECT_EQ(with_i4.arena_bytes, with_i8.arena_bytes);
}

// The profile names the quantized type as DataType on both sides of the conversion, and its
// layers' bytes count one byte per INT4 element (what the runtime reads and writes).
TEST_F(NarrowModels, ProfileRowsSayTheType) {
  for (const auto& [type, name, zp] : {std::tuple{kFloat8E4M3FN, "FLOAT8E4M3FN", std::string(3, '\0')},
                                       std::tuple{kInt4, "INT4", std::string("\x81\x07", 2)}}) {
    auto s = load(qdq_model(type, zp, {3}));
    ASSERT_TRUE(s);
    ProfileOptions o;
    o.warmup = 0;
    o.runs = 1;
    PerfReport r;
    ASSERT_TRUE(evaluate_performance(*s, {{"x", floats({3}, {1.f, 2.f, 3.f})}}, o, Roofs{}, &r));
    ASSERT_EQ(r.layers.size(), 2u);
    for (const LayerProfile& l : r.layers) {
      EXPECT_EQ(l.data_type, name) << l.op_type;
      // x (12 bytes) or y (12), the 3-byte quantized tensor, the scale (12) and zero point (3).
      EXPECT_EQ(l.bytes_read + l.bytes_written, 12 + 3 + 12 + 3) << l.op_type;
    }
  }
}

TEST_F(NarrowModels, InputsAndOutputsOfTheNewTypes) {
  // x: INT4 input -> Cast to FLOAT8E5M2 (output) and to FLOAT.
  onnx::NodeProto c8 = node("Cast", {"x"}, {"y8"}, "to_f8");
  set_int(c8, "to", 19);
  onnx::NodeProto cf = node("Cast", {"x"}, {"yf"}, "to_float");
  set_int(cf, "to", 1);
  onnx::ModelProto m = model(
      graph("g", {c8, cf}, {tensor_info("x", kInt4, {3})}, {tensor_info("y8", 19, {3}), tensor_info("yf", 1, {3})}),
      21);
  m.set_ir_version(10);
  auto s = load(m);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->inputs()[0].dtype, DType::I4);
  EXPECT_EQ(s->outputs()[0].dtype, DType::F8E5M2);
  Tensor x(DType::I4, {3});
  const int8_t xv[] = {-8, 0, 7};
  std::memcpy(x.data(), xv, 3);
  std::vector<NamedTensor> out;
  Status st = s->run({{"x", x}}, &out);
  ASSERT_TRUE(st) << st.message();
  EXPECT_EQ(out[0].tensor.dtype(), DType::F8E5M2);
  EXPECT_EQ(out[0].tensor.data_as<uint8_t>()[0], 0xC8);  // -8 = -1.0 * 2^3: exponent field 18
  EXPECT_EQ(values(out[1].tensor), (std::vector<float>{-8.f, 0.f, 7.f}));
  // A byte outside INT4's range is no INT4 value: refused, naming the input.
  x.data_as<int8_t>()[1] = 8;
  st = s->run({{"x", x}}, &out);
  ASSERT_FALSE(st);
  EXPECT_NE(st.message().find("element 1 is 8, outside the range of INT4 [-8, 7]"), std::string::npos) << st.message();
}

// Only the conversions run the new types: any other op that meets one is refused when the model
// loads, naming the node, the op and the type.
TEST_F(NarrowModels, OtherOpsRefuseThemAtLoad) {
  // A float8 graph input into Relu.
  onnx::ModelProto relu = model(graph("g", {node("Relu", {"x"}, {"y"}, "act")}, {tensor_info("x", kFloat8E4M3FN, {2})},
                                      {tensor_info("y", kFloat8E4M3FN, {2})}),
                                21);
  std::string e = load_error(relu);
  EXPECT_NE(e.find("'Relu' node 'act'"), std::string::npos) << e;
  EXPECT_NE(e.find("input 0 is FLOAT8E4M3FN: float8 and 4-bit integer tensors are only converted"), std::string::npos)
      << e;
  // A Conv reading the float8 output of a QuantizeLinear.
  onnx::ModelProto conv = qdq_model(kFloat8E4M3FN, std::string("\0", 1));
  auto* g = conv.mutable_graph();
  g->mutable_node(1)->set_op_type("Conv");
  g->mutable_node(1)->set_name("conv");
  g->mutable_node(1)->clear_input();
  g->mutable_node(1)->add_input("q");
  g->mutable_node(1)->add_input("q");
  e = load_error(conv);
  EXPECT_NE(e.find("'Conv' node 'conv'"), std::string::npos) << e;
  EXPECT_NE(e.find("input 0 is FLOAT8E4M3FN"), std::string::npos) << e;
  // Even data movement: Identity of an INT4 initializer (refused before it could be folded).
  onnx::ModelProto ident =
      model(graph("g", {node("Identity", {"w"}, {"y"}, "copy")}, {}, {tensor_info("y", kInt4, {1})}), 21);
  auto* w = ident.mutable_graph()->add_initializer();
  w->set_name("w");
  w->set_data_type(kInt4);
  w->add_dims(1);
  w->set_raw_data(std::string("\x07", 1));
  e = load_error(ident);
  EXPECT_NE(e.find("'Identity' node 'copy'"), std::string::npos) << e;
  EXPECT_NE(e.find("input 0 is INT4"), std::string::npos) << e;
  // An op making one from other types: ConstantOfShape with a float8 value.
  onnx::NodeProto fill = node("ConstantOfShape", {"shape"}, {"y"}, "fill");
  auto* a = fill.add_attribute();
  a->set_name("value");
  a->set_type(onnx::AttributeProto::TENSOR);
  a->mutable_t()->set_data_type(kFloat8E4M3FN);
  a->mutable_t()->add_dims(1);
  a->mutable_t()->set_raw_data(std::string("\x38", 1));
  onnx::ModelProto filled = model(graph("g", {fill}, {}, {tensor_info("y", kFloat8E4M3FN, {2})}), 21);
  auto* shape = filled.mutable_graph()->add_initializer();
  shape->set_name("shape");
  shape->set_data_type(onnx::TensorProto::INT64);
  shape->add_dims(1);
  shape->add_int64_data(2);
  e = load_error(filled);
  EXPECT_NE(e.find("'ConstantOfShape' node 'fill'"), std::string::npos) << e;
  EXPECT_NE(e.find("output 0 is FLOAT8E4M3FN"), std::string::npos) << e;
}

}  // namespace
}  // namespace layerscope
