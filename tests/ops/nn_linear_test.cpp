// Linear NN ops (MatMul, Gemm, Conv, ConvTranspose, pooling): shared geometry, shape inference
// incl. errors, hand-computed costs and reference results.
#include <gtest/gtest.h>

#include <cmath>

#include "attr_check.h"
#include "common/kernel_check.h"
#include "ir/error.h"
#include "ops/nn/conv_geometry.h"
#include "ops/nn/matmul_shape.h"
#include "registry/registry.h"

namespace layerscope {
namespace {

using testing::attrs;
using testing::f32;
using testing::tensor;

using Ints = std::vector<int64_t>;

Node make_node(const std::string& op, int opset, Attributes attrs, size_t n_in, const std::vector<bool>& present,
               int n_out) {
  Node n = testing::make_node(op, opset, n_in, static_cast<size_t>(n_out), std::move(attrs));
  for (size_t i = 0; i < n_in; ++i)
    if (i < present.size() && !present[i]) n.inputs[i] = -1;
  return n;
}

const OpDef& op_def(const std::string& op, int opset) {
  const OpDef* d = Registry::builtin().find_op("", op, opset);
  if (!d) fail("no OpDef for ", op, " at opset ", opset);
  return *d;
}

// Runs infer on (dtype, shape) inputs; dtype Undefined marks an omitted optional input.
std::vector<TensorInfo> infer(const std::string& op, int opset, Attributes attrs, std::vector<TensorInfo> in,
                              int n_out = 1) {
  std::vector<bool> present;
  for (const TensorInfo& t : in) present.push_back(t.dtype != DType::Undefined);
  Node n = make_node(op, opset, std::move(attrs), in.size(), present, n_out);
  testing::expect_declared_attributes(n);
  InferContext ctx(n, in, std::vector<const Tensor*>(in.size(), nullptr));
  op_def(op, opset).infer(ctx);
  return ctx.outputs();
}

Cost cost_of(const std::string& op, int opset, Attributes attrs, std::vector<TensorInfo> in) {
  std::vector<bool> present;
  for (const TensorInfo& t : in) present.push_back(t.dtype != DType::Undefined);
  std::vector<TensorInfo> out = infer(op, opset, attrs, in);
  Node n = make_node(op, opset, std::move(attrs), in.size(), present, 1);
  return op_def(op, opset).cost(CostContext{n, in, out});
}

std::string infer_error(const std::string& op, int opset, Attributes attrs, std::vector<TensorInfo> in, int n_out = 1) {
  try {
    infer(op, opset, std::move(attrs), std::move(in), n_out);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

// Infers, allocates the outputs and runs the reference kernel. Empty tensors = omitted inputs.
std::vector<Tensor> run(const std::string& op, int opset, Attributes attrs, std::vector<Tensor> inputs, int n_out = 1) {
  std::vector<TensorInfo> info;
  std::vector<bool> present;
  std::vector<const Tensor*> ptrs;
  for (const Tensor& t : inputs) {
    info.push_back(t.empty() ? TensorInfo{} : TensorInfo{t.dtype(), t.shape()});
    present.push_back(!t.empty());
    ptrs.push_back(t.empty() ? nullptr : &t);
  }
  std::vector<TensorInfo> out_info = infer(op, opset, attrs, info, n_out);
  Node n = make_node(op, opset, std::move(attrs), inputs.size(), present, n_out);
  std::vector<Tensor> outs;
  for (const TensorInfo& t : out_info) outs.emplace_back(t.dtype, t.shape);
  std::vector<Tensor*> out_ptrs;
  for (Tensor& t : outs) out_ptrs.push_back(&t);
  op_def(op, opset).reference(n, ptrs, out_ptrs);
  return outs;
}

template <typename T>
std::vector<T> values(const Tensor& t) {
  return std::vector<T>(t.data_as<T>(), t.data_as<T>() + t.numel());
}

TensorInfo F(Shape s) { return {DType::F32, std::move(s)}; }
const TensorInfo kNone{};

// ---------------- geometry ----------------

TEST(ConvGeometry, SameUpperLowerAndValid) {
  Node n = make_node("Conv", 17, attrs({{"auto_pad", std::string("SAME_UPPER")}, {"strides", Ints{2, 2}}}), 2, {}, 1);
  ConvGeometry g = conv_geometry(n, {1, 3, 5, 6}, {8, 3, 3, 3});
  EXPECT_EQ(g.out_dims, (Ints{3, 3}));
  // total pad: (3-1)*2 + 3 - 5 = 2 -> 1/1; (3-1)*2 + 3 - 6 = 1 -> 0/1 (odd one at the end).
  EXPECT_EQ(g.pads_begin, (Ints{1, 0}));
  EXPECT_EQ(g.pads_end, (Ints{1, 1}));
  EXPECT_EQ(g.output_shape(), (Shape{1, 8, 3, 3}));
  EXPECT_EQ(g.weight_shape(), (Shape{8, 3, 3, 3}));
  n.attrs.set("auto_pad", std::string("SAME_LOWER"));
  g = conv_geometry(n, {1, 3, 5, 6}, {8, 3, 3, 3});
  EXPECT_EQ(g.pads_begin, (Ints{1, 1}));
  EXPECT_EQ(g.pads_end, (Ints{1, 0}));
  n.attrs.set("auto_pad", std::string("VALID"));
  g = conv_geometry(n, {1, 3, 5, 6}, {8, 3, 3, 3});
  EXPECT_EQ(g.out_dims, (Ints{2, 2}));
  EXPECT_EQ(g.effective_pads_end(), (Ints{0, -1}));  // (2-1)*2 + 3 - 6 - 0: the last column is unused
}

TEST(ConvGeometry, DilationsAndGroups) {
  Node n =
      make_node("Conv", 17, attrs({{"dilations", Ints{2}}, {"pads", Ints{1, 2}}, {"group", int64_t{2}}}), 2, {}, 1);
  ConvGeometry g = conv_geometry(n, {2, 4, 10}, {6, 2, 3});
  EXPECT_EQ(g.dilated_kernel(0), 5);
  EXPECT_EQ(g.out_dims, (Ints{10 + 3 - 5 + 1}));
  EXPECT_EQ(g.C_out, 6);
  EXPECT_EQ(g.group, 2);
}

TEST(ConvGeometry, PoolCeilModeDropsWindowStartingInPadding) {
  // in 5, k 2, s 2, pads 0/1: ceil((5+1-2)/2)+1 = 3, last window starts at 4 < 5: kept.
  Node n = make_node("MaxPool", 12, attrs({{"kernel_shape", Ints{2}}, {"strides", Ints{2}}, {"ceil_mode", int64_t{1}}}),
                     1, {}, 1);
  EXPECT_EQ(pool_geometry(n, {1, 1, 5}).out_dims, (Ints{3}));
  // in 4, k 2, s 2, pads 0/1: ceil(3/2)+1 = 3 but the third window would start at 4 (in padding).
  n.attrs.set("pads", Ints{0, 1});
  EXPECT_EQ(pool_geometry(n, {1, 1, 4}).out_dims, (Ints{2}));
  n.attrs.set("pads", Ints{0, 0});
  ConvGeometry g = pool_geometry(n, {1, 1, 5});
  EXPECT_EQ(g.effective_pads_end(), (Ints{1}));  // ceil mode needs one extra end column
}

TEST(ConvGeometry, ConvTransposeOutputShapeAndSame) {
  Node n =
      make_node("ConvTranspose", 17, attrs({{"strides", Ints{2}}, {"auto_pad", std::string("SAME_UPPER")}}), 2, {}, 1);
  // in 5, s 2 -> out 10; natural (5-1)*2 + 3 = 11 -> total 1: SAME_UPPER puts it at the end.
  ConvGeometry g = conv_transpose_geometry(n, {1, 2, 5}, {2, 3, 3});
  EXPECT_EQ(g.out_dims, (Ints{10}));
  EXPECT_EQ(g.C_out, 3);
  EXPECT_EQ(g.pads_begin, (Ints{0}));
  EXPECT_EQ(g.pads_end, (Ints{1}));
  n.attrs.set("auto_pad", std::string("SAME_LOWER"));
  EXPECT_EQ(conv_transpose_geometry(n, {1, 2, 5}, {2, 3, 3}).pads_begin, (Ints{1}));
  // output_shape (with N, C included) overrides pads; NOTSET puts the odd element at the start.
  Node m = make_node("ConvTranspose", 17, attrs({{"output_shape", Ints{1, 1, 6}}, {"pads", Ints{3, 3}}}), 2, {}, 1);
  g = conv_transpose_geometry(m, {1, 1, 5}, {1, 1, 3});  // natural 7, total 1
  EXPECT_EQ(g.out_dims, (Ints{6}));
  EXPECT_EQ(g.pads_begin, (Ints{1}));
  EXPECT_EQ(g.pads_end, (Ints{0}));
  // output_padding: natural = (3-1)*2 + 1 + 2 = 7, and effective pads end absorbs it.
  Node o = make_node("ConvTranspose", 17, attrs({{"strides", Ints{2}}, {"output_padding", Ints{1}}}), 2, {}, 1);
  g = conv_transpose_geometry(o, {1, 1, 3}, {1, 1, 2});
  EXPECT_EQ(g.out_dims, (Ints{7}));
  EXPECT_EQ(g.effective_pads_end(), (Ints{-1}));
}

TEST(MatMulShape, BroadcastAndVectors) {
  MatMulShape s;
  ASSERT_TRUE(try_matmul_shape({2, 1, 3, 4}, {5, 4, 6}, &s));
  EXPECT_EQ(s.output, (Shape{2, 5, 3, 6}));
  EXPECT_EQ(s.batch_size(), 10);
  EXPECT_EQ(s.a_batch, (Shape{2, 1}));
  EXPECT_EQ(s.b_batch, (Shape{1, 5}));
  // Batch item 7 = (1, 2): A uses its matrix 1, B its matrix 2.
  EXPECT_EQ(s.a_offset(7), 1 * 12);
  EXPECT_EQ(s.b_offset(7), 2 * 24);
  EXPECT_FALSE(s.b_shared());
  ASSERT_TRUE(try_matmul_shape({3}, {3}, &s));
  EXPECT_EQ(s.output, Shape{});
  ASSERT_TRUE(try_matmul_shape({3}, {2, 3, 4}, &s));
  EXPECT_EQ(s.output, (Shape{2, 4}));
  ASSERT_TRUE(try_matmul_shape({2, 3, 4}, {4}, &s));
  EXPECT_EQ(s.output, (Shape{2, 3}));
  EXPECT_TRUE(s.b_shared());
  std::string why;
  EXPECT_FALSE(try_matmul_shape({2, 3}, {4, 5}, &s, &why));
  EXPECT_NE(why.find("inner dimensions"), std::string::npos);
  EXPECT_FALSE(try_matmul_shape({2, 2, 3}, {3, 3, 4}, &s, &why));
  EXPECT_FALSE(try_matmul_shape({}, {3}, &s, &why));
}

// ---------------- shape inference ----------------

TEST(NnLinearInfer, MatMulAndGemm) {
  EXPECT_EQ(infer("MatMul", 13, {}, {F({4, 1, 2, 3}), F({5, 3, 7})})[0].shape, (Shape{4, 5, 2, 7}));
  EXPECT_EQ(infer("MatMul", 13, {}, {{DType::I32, {2, 3}}, {DType::I32, {3}}})[0].dtype, DType::I32);
  EXPECT_NE(infer_error("MatMul", 8, {}, {{DType::I32, {2, 3}}, {DType::I32, {3}}}).find("expected one of"),
            std::string::npos);
  std::string e = infer_error("MatMul", 13, {}, {{DType::F16, {2, 3}}, {DType::F16, {3, 2}}});
  EXPECT_NE(e.find("FLOAT16"), std::string::npos) << e;
  EXPECT_NE(e.find("'MatMul' node 'n'"), std::string::npos) << e;
  EXPECT_NE(infer_error("MatMul", 13, {}, {F({2, 3}), F({4, 2})}).find("inner dimensions"), std::string::npos);

  Attributes t = attrs({{"transA", int64_t{1}}, {"transB", int64_t{1}}});
  EXPECT_EQ(infer("Gemm", 13, t, {F({4, 3}), F({5, 4}), F({5})})[0].shape, (Shape{3, 5}));
  EXPECT_EQ(infer("Gemm", 13, {}, {F({3, 4}), F({4, 5}), kNone})[0].shape, (Shape{3, 5}));
  EXPECT_EQ(infer("Gemm", 13, {}, {F({3, 4}), F({4, 5}), F({3, 1})})[0].shape, (Shape{3, 5}));
  EXPECT_NE(infer_error("Gemm", 13, {}, {F({3, 4}), F({4, 5}), F({3})}).find("does not broadcast"), std::string::npos);
  EXPECT_NE(infer_error("Gemm", 9, {}, {F({3, 4}), F({4, 5}), kNone}).find("input C is required"), std::string::npos);
  // Opset 6: broadcast=0 requires C to be exactly (M, N).
  EXPECT_FALSE(infer_error("Gemm", 6, {}, {F({3, 4}), F({4, 5}), F({5})}).empty());
  EXPECT_TRUE(infer_error("Gemm", 6, attrs({{"broadcast", int64_t{1}}}), {F({3, 4}), F({4, 5}), F({5})}).empty());
  EXPECT_NE(infer_error("Gemm", 13, {}, {F({3, 4}), F({5, 5})}).find("inner dimensions"), std::string::npos);
}

TEST(NnLinearInfer, ConvAndConvTranspose) {
  Attributes a = attrs({{"group", int64_t{4}}, {"strides", Ints{2, 2}}, {"pads", Ints{1, 1, 1, 1}}});
  EXPECT_EQ(infer("Conv", 11, a, {F({2, 8, 9, 9}), F({16, 2, 3, 3}), F({16})})[0].shape, (Shape{2, 16, 5, 5}));
  EXPECT_EQ(infer("Conv", 1, {}, {F({1, 2, 7}), F({3, 2, 2})})[0].shape, (Shape{1, 3, 6}));
  EXPECT_EQ(infer("Conv", 17, {}, {{DType::F64, {1, 2, 4, 4, 4}}, {DType::F64, {3, 2, 2, 2, 2}}})[0].shape,
            (Shape{1, 3, 3, 3, 3}));
  EXPECT_NE(infer_error("Conv", 11, a, {F({2, 6, 9, 9}), F({16, 2, 3, 3})}).find("channels"), std::string::npos);
  EXPECT_NE(infer_error("Conv", 11, {}, {F({1, 2, 9, 9}), F({4, 2, 3, 3}), F({3})}).find("bias"), std::string::npos);
  EXPECT_NE(infer_error("Conv", 11, attrs({{"kernel_shape", Ints{2, 2}}}), {F({1, 2, 9, 9}), F({4, 2, 3, 3})})
                .find("kernel_shape"),
            std::string::npos);
  EXPECT_NE(infer_error("Conv", 11, attrs({{"auto_pad", std::string("SAME")}}), {F({1, 2, 9, 9}), F({4, 2, 3, 3})})
                .find("'auto_pad' = 'SAME' is not supported"),
            std::string::npos);
  EXPECT_NE(infer_error("Conv", 11, {}, {F({1, 2, 2, 2}), F({4, 2, 3, 3})}).find("larger than the padded input"),
            std::string::npos);
  EXPECT_NE(infer_error("Conv", 11, {}, {{DType::F16, {1, 2, 4, 4}}, {DType::F16, {4, 2, 3, 3}}}).find("FLOAT16"),
            std::string::npos);
  EXPECT_NE(infer_error("Conv", 11, {}, {F({1, 1, 2, 2, 2, 2}), F({1, 1, 1, 1, 1, 1})}).find("1 to 3"),
            std::string::npos);

  Attributes t = attrs({{"group", int64_t{2}}, {"strides", Ints{2, 2}}});
  EXPECT_EQ(infer("ConvTranspose", 11, t, {F({1, 4, 3, 3}), F({4, 3, 2, 2})})[0].shape, (Shape{1, 6, 6, 6}));
  EXPECT_NE(infer_error("ConvTranspose", 11, t, {F({1, 4, 3, 3}), F({2, 3, 2, 2})}).find("channels"),
            std::string::npos);
}

TEST(NnLinearInfer, Pooling) {
  Attributes a = attrs({{"kernel_shape", Ints{3, 3}}, {"strides", Ints{2, 2}}});
  EXPECT_EQ(infer("MaxPool", 12, a, {F({1, 2, 5, 5})})[0].shape, (Shape{1, 2, 2, 2}));
  std::vector<TensorInfo> two = infer("MaxPool", 12, a, {F({1, 2, 5, 5})}, 2);
  EXPECT_EQ(two[1].dtype, DType::I64);
  EXPECT_EQ(two[1].shape, (Shape{1, 2, 2, 2}));
  EXPECT_EQ(infer("MaxPool", 12, a, {{DType::U8, {1, 2, 5, 5}}})[0].dtype, DType::U8);
  EXPECT_FALSE(infer_error("MaxPool", 11, a, {{DType::U8, {1, 2, 5, 5}}}).empty());
  EXPECT_FALSE(infer_error("MaxPool", 7, a, {F({1, 2, 5, 5})}, 2).empty());  // no Indices before 8
  Attributes dil = a;
  dil.set("dilations", Ints{2, 2});
  // Attributes of later opsets are refused (by the declared lists), naming where they belong.
  EXPECT_NE(infer_error("MaxPool", 8, dil, {F({1, 2, 5, 5})})
                .find("unknown attribute 'dilations' (accepted in opsets 10 and later)"),
            std::string::npos);
  EXPECT_NE(infer_error("AveragePool", 18, dil, {F({1, 2, 5, 5})})
                .find("unknown attribute 'dilations' (accepted in opsets 19 and later)"),
            std::string::npos);
  EXPECT_EQ(infer("AveragePool", 19, dil, {F({1, 2, 5, 5})})[0].shape, (Shape{1, 2, 1, 1}));
  EXPECT_NE(infer_error("MaxPool", 12, {}, {F({1, 2, 5, 5})}).find("kernel_shape"), std::string::npos);
  EXPECT_NE(infer_error("AveragePool", 11, a, {F({1, 2, 5})}).find("one per spatial dimension"), std::string::npos);
  EXPECT_EQ(infer("GlobalAveragePool", 1, {}, {F({2, 3, 4, 5, 6})})[0].shape, (Shape{2, 3, 1, 1, 1}));
  EXPECT_EQ(infer("GlobalLpPool", 2, {}, {F({2, 3, 7})})[0].shape, (Shape{2, 3, 1}));
  EXPECT_NE(infer_error("GlobalMaxPool", 1, {}, {F({2, 3})}).find("rank >= 3"), std::string::npos);
}

// Attribute values outside what the spec allows are refused, not read loosely.
TEST(NnLinearInfer, OutOfSpecAttributeValuesAreRefused) {
  Attributes k2 = attrs({{"kernel_shape", Ints{2}}});
  Attributes ceil2 = k2;
  ceil2.set("ceil_mode", int64_t{2});
  EXPECT_NE(infer_error("MaxPool", 12, ceil2, {F({1, 1, 5})}).find("attribute 'ceil_mode' = 2; expected 0 or 1"),
            std::string::npos);
  // A pad as long as the kernel leaves a window with only padding in it.
  Attributes pad2 = k2;
  pad2.set("pads", Ints{2, 0});
  EXPECT_NE(infer_error("AveragePool", 11, pad2, {F({1, 1, 5})}).find("are not smaller than the kernel (2)"),
            std::string::npos);
  pad2.set("pads", Ints{1, 1});
  EXPECT_EQ(infer("AveragePool", 11, pad2, {F({1, 1, 5})})[0].shape, (Shape{1, 1, 6}));
  // With dilation 2 a kernel of 2 spans 3 elements: a pad of 2 still reaches the input.
  pad2.set("pads", Ints{2, 2});
  pad2.set("dilations", Ints{2});
  EXPECT_EQ(infer("MaxPool", 12, pad2, {F({1, 1, 5})})[0].shape, (Shape{1, 1, 7}));
  // A weight with a zero-size kernel dim has no taps.
  EXPECT_NE(infer_error("Conv", 11, {}, {F({1, 2, 5, 5}), F({4, 2, 0, 3})}).find("a kernel dim of size 0"),
            std::string::npos);
  EXPECT_NE(infer_error("Conv", 11, attrs({{"group", int64_t{3}}}), {F({1, 6, 5, 5}), F({4, 2, 3, 3})})
                .find("not divisible by group 3"),
            std::string::npos);
}

// ---------------- cost ----------------

TEST(NnLinearCost, GroupedStridedConv) {
  // out 5x5; MACs = N * C_out * 25 * (C_in/group) * 9 = 2 * 16 * 25 * 2 * 9.
  Attributes a = attrs({{"group", int64_t{4}}, {"strides", Ints{2, 2}}, {"pads", Ints{1, 1, 1, 1}}});
  Cost c = cost_of("Conv", 11, a, {F({2, 8, 9, 9}), F({16, 2, 3, 3}), F({16})});
  EXPECT_DOUBLE_EQ(c.macs, 14400);
  EXPECT_DOUBLE_EQ(c.other_ops, 2 * 16 * 25);  // bias
  EXPECT_EQ(c.bytes_read, (2 * 8 * 81 + 16 * 2 * 9 + 16) * 4);
  EXPECT_EQ(c.bytes_written, 2 * 16 * 25 * 4);
  // Depthwise 3x3, no bias.
  Cost d = cost_of("Conv", 11, attrs({{"group", int64_t{3}}}), {F({1, 3, 4, 4}), F({3, 1, 3, 3})});
  EXPECT_DOUBLE_EQ(d.macs, 1 * 3 * 4 * 1 * 9);
  EXPECT_DOUBLE_EQ(d.other_ops, 0);
}

TEST(NnLinearCost, ConvTranspose) {
  // MACs = N * C_in * prod(in) * (C_out/group) * prod(kernel) = 1 * 4 * 9 * 3 * 4.
  Attributes t = attrs({{"group", int64_t{2}}, {"strides", Ints{2, 2}}});
  Cost c = cost_of("ConvTranspose", 11, t, {F({1, 4, 3, 3}), F({4, 3, 2, 2})});
  EXPECT_DOUBLE_EQ(c.macs, 432);
  EXPECT_EQ(c.bytes_written, 6 * 36 * 4);
}

TEST(NnLinearCost, MatMulAndGemm) {
  EXPECT_DOUBLE_EQ(cost_of("MatMul", 13, {}, {F({2, 3, 4, 5}), F({5, 6})}).macs, 2 * 3 * 4 * 6 * 5);
  Cost b = cost_of("MatMul", 13, {}, {F({3, 4, 5}), F({2, 1, 5, 6})});  // batch (2, 3)
  EXPECT_DOUBLE_EQ(b.macs, 6 * 4 * 6 * 5);
  EXPECT_EQ(b.bytes_read, (60 + 60) * 4);
  EXPECT_DOUBLE_EQ(cost_of("MatMul", 13, {}, {F({5}), F({5})}).macs, 5);

  Cost g = cost_of("Gemm", 13, attrs({{"transA", int64_t{1}}}), {F({4, 3}), F({4, 5}), F({5})});
  EXPECT_DOUBLE_EQ(g.macs, 3 * 5 * 4);
  EXPECT_DOUBLE_EQ(g.other_ops, 15);
  Cost plain = cost_of("Gemm", 13, {}, {F({3, 4}), F({4, 5}), kNone});
  EXPECT_DOUBLE_EQ(plain.other_ops, 0);
  Cost scaled = cost_of("Gemm", 13, attrs({{"alpha", 2.f}}), {F({3, 4}), F({4, 5}), kNone});
  EXPECT_DOUBLE_EQ(scaled.other_ops, 15);
}

TEST(NnLinearCost, Pooling) {
  Attributes a = attrs({{"kernel_shape", Ints{3, 3}}, {"strides", Ints{2, 2}}});
  Cost m = cost_of("MaxPool", 12, a, {F({1, 2, 5, 5})});
  EXPECT_DOUBLE_EQ(m.macs, 0);
  EXPECT_DOUBLE_EQ(m.other_ops, 1 * 2 * 4 * 9);
  EXPECT_DOUBLE_EQ(cost_of("AveragePool", 11, a, {F({1, 2, 5, 5})}).other_ops, 72);
  EXPECT_DOUBLE_EQ(cost_of("GlobalAveragePool", 1, {}, {F({2, 3, 4, 4})}).other_ops, 2 * 3 * 16);
  EXPECT_EQ(cost_of("GlobalAveragePool", 1, {}, {F({2, 3, 4, 4})}).bytes_written, 6 * 4);
}

// ---------------- reference kernels ----------------

TEST(NnLinearRef, MatMul) {
  EXPECT_EQ(values<float>(run("MatMul", 13, {}, {f32({3}, {1, 2, 3}), f32({3}, {4, 5, 6})})[0]),
            std::vector<float>{32});
  // A (2,1,2,2) x B (2,2,2): batch (2,2); A broadcast over B's batch and vice versa.
  Tensor a = f32({2, 1, 2, 2}, {1, 0, 0, 1, 2, 0, 0, 2});  // I, 2I
  Tensor b = f32({2, 2, 2}, {1, 2, 3, 4, 0, 1, 1, 0});
  Tensor y = run("MatMul", 13, {}, {a, b})[0];
  EXPECT_EQ(y.shape(), (Shape{2, 2, 2, 2}));
  EXPECT_EQ(values<float>(y), (std::vector<float>{1, 2, 3, 4, 0, 1, 1, 0, 2, 4, 6, 8, 0, 2, 2, 0}));
  Tensor ai = tensor<int32_t>(DType::I32, {2, 2}, {1, 2, 3, 4});
  Tensor bi = tensor<int32_t>(DType::I32, {2}, {5, 6});
  EXPECT_EQ(values<int32_t>(run("MatMul", 13, {}, {ai, bi})[0]), (std::vector<int32_t>{17, 39}));
}

TEST(NnLinearRef, Gemm) {
  // Y = 2 * A^T x B^T + 0.5 * C, with C a row broadcast over M.
  Tensor a = f32({2, 2}, {1, 3, 2, 4});        // A^T = [[1,2],[3,4]]
  Tensor b = f32({3, 2}, {1, 0, 0, 1, 1, 1});  // B^T = [[1,0,1],[0,1,1]]
  Tensor c = f32({3}, {2, 4, 6});
  Attributes at = attrs({{"transA", int64_t{1}}, {"transB", int64_t{1}}, {"alpha", 2.f}, {"beta", 0.5f}});
  Tensor y = run("Gemm", 13, at, {a, b, c})[0];
  // A^T B^T = [[1,2,3],[3,4,7]]
  EXPECT_EQ(values<float>(y), (std::vector<float>{3, 6, 9, 7, 10, 17}));
  Tensor y2 = run("Gemm", 13, {}, {f32({1, 2}, {1, 2}), f32({2, 1}, {3, 4}), Tensor()})[0];
  EXPECT_EQ(values<float>(y2), std::vector<float>{11});
}

TEST(NnLinearRef, ConvBiasGroupsAndSamePadding) {
  std::vector<float> x9{0, 1, 2, 3, 4, 5, 6, 7, 8};
  Tensor y = run("Conv", 11, {}, {f32({1, 1, 3, 3}, x9), f32({1, 1, 2, 2}, {1, 1, 1, 1}), f32({1}, {1})})[0];
  EXPECT_EQ(values<float>(y), (std::vector<float>{9, 13, 21, 25}));
  // Depthwise (group 2): channel 0 times 1, channel 1 times -1, 1x1 kernels.
  Tensor dw =
      run("Conv", 11, attrs({{"group", int64_t{2}}}), {f32({1, 2, 2}, {1, 2, 3, 4}), f32({2, 1, 1}, {1, -1})})[0];
  EXPECT_EQ(values<float>(dw), (std::vector<float>{1, 2, -3, -4}));
  // 1-D SAME_UPPER, stride 2: pads 1/1 -> windows [-1,1], [1,3], [3,5].
  Tensor s = run("Conv", 11, attrs({{"auto_pad", std::string("SAME_UPPER")}, {"strides", Ints{2}}}),
                 {f32({1, 1, 5}, {1, 2, 3, 4, 5}), f32({1, 1, 3}, {1, 1, 1})})[0];
  EXPECT_EQ(values<float>(s), (std::vector<float>{3, 9, 9}));
  // Dilation 2 with pads: taps at o-1, o+1.
  Tensor d = run("Conv", 11, attrs({{"dilations", Ints{2}}, {"pads", Ints{1, 1}}}),
                 {f32({1, 1, 4}, {1, 2, 3, 4}), f32({1, 1, 2}, {1, 10})})[0];
  EXPECT_EQ(values<float>(d), (std::vector<float>{20, 31, 42, 3}));
}

TEST(NnLinearRef, ConvTranspose) {
  // Stride 2, kernel [1, 1]: each input copied twice; output_padding adds a zero column.
  Tensor y = run("ConvTranspose", 11, attrs({{"strides", Ints{2}}, {"output_padding", Ints{1}}}),
                 {f32({1, 1, 3}, {1, 2, 3}), f32({1, 1, 2}, {1, 1})})[0];
  EXPECT_EQ(values<float>(y), (std::vector<float>{1, 1, 2, 2, 3, 3, 0}));
  // Overlapping kernel with pads: full = [1, 3, 5, 3], pads 1/1 crop both ends; bias 10.
  Tensor p = run("ConvTranspose", 11, attrs({{"pads", Ints{1, 1}}}),
                 {f32({1, 1, 3}, {1, 2, 3}), f32({1, 1, 2}, {1, 1}), f32({1}, {10})})[0];
  EXPECT_EQ(values<float>(p), (std::vector<float>{13, 15}));
  // Groups: 2 input channels, 2 groups, one output channel each with weight 2 and 3.
  Tensor g = run("ConvTranspose", 11, attrs({{"group", int64_t{2}}}),
                 {f32({1, 2, 2}, {1, 2, 3, 4}), f32({2, 1, 1}, {2, 3})})[0];
  EXPECT_EQ(values<float>(g), (std::vector<float>{2, 4, 9, 12}));
}

TEST(NnLinearRef, MaxPoolWithIndices) {
  Attributes a = attrs({{"kernel_shape", Ints{2, 2}}});
  Tensor x = f32({1, 1, 2, 3}, {1, 5, 2, 4, 3, 6});
  std::vector<Tensor> r = run("MaxPool", 12, a, {x}, 2);
  EXPECT_EQ(values<float>(r[0]), (std::vector<float>{5, 6}));
  EXPECT_EQ(values<int64_t>(r[1]), (std::vector<int64_t>{1, 5}));
  a.set("storage_order", int64_t{1});  // column-major: (h, w) -> h + w * H
  r = run("MaxPool", 12, a, {x}, 2);
  EXPECT_EQ(values<int64_t>(r[1]), (std::vector<int64_t>{2, 5}));
  Tensor u = tensor<uint8_t>(DType::U8, {1, 1, 4}, {3, 250, 7, 1});
  EXPECT_EQ(values<uint8_t>(run("MaxPool", 12, attrs({{"kernel_shape", Ints{2}}}), {u})[0]),
            (std::vector<uint8_t>{250, 250, 7}));
  // Padding never wins, even over negative values.
  Tensor n =
      run("MaxPool", 12, attrs({{"kernel_shape", Ints{2}}, {"pads", Ints{1, 1}}}), {f32({1, 1, 2}, {-3, -4})})[0];
  EXPECT_EQ(values<float>(n), (std::vector<float>{-3, -3, -4}));
}

TEST(NnLinearRef, AveragePoolPaddingAndCeil) {
  Attributes a = attrs({{"kernel_shape", Ints{3}}, {"pads", Ints{1, 1}}});
  Tensor x = f32({1, 1, 4}, {1, 2, 3, 4});
  EXPECT_EQ(values<float>(run("AveragePool", 11, a, {x})[0]), (std::vector<float>{1.5f, 2, 3, 3.5f}));
  a.set("count_include_pad", int64_t{1});
  std::vector<float> inc = values<float>(run("AveragePool", 11, a, {x})[0]);
  EXPECT_FLOAT_EQ(inc[0], 1.f);
  EXPECT_FLOAT_EQ(inc[3], 7.f / 3);
  Attributes c = attrs({{"kernel_shape", Ints{2}}, {"strides", Ints{2}}, {"ceil_mode", int64_t{1}}});
  Tensor x5 = f32({1, 1, 5}, {1, 2, 3, 4, 5});
  EXPECT_EQ(values<float>(run("AveragePool", 11, c, {x5})[0]), (std::vector<float>{1.5f, 3.5f, 5}));
  c.set("count_include_pad", int64_t{1});  // the ceil-mode overhang counts in the divisor (as ORT)
  EXPECT_EQ(values<float>(run("AveragePool", 11, c, {x5})[0]), (std::vector<float>{1.5f, 3.5f, 2.5f}));
  Attributes d = attrs({{"kernel_shape", Ints{2}}, {"dilations", Ints{2}}});
  EXPECT_EQ(values<float>(run("AveragePool", 19, d, {x5})[0]), (std::vector<float>{2, 3, 4}));
}

TEST(NnLinearRef, LpAndGlobalPools) {
  EXPECT_EQ(values<float>(run("LpPool", 11, attrs({{"kernel_shape", Ints{2}}}), {f32({1, 1, 3}, {3, -4, 0})})[0]),
            (std::vector<float>{5, 4}));
  std::vector<float> p1 = values<float>(
      run("LpPool", 11, attrs({{"kernel_shape", Ints{2}}, {"p", int64_t{1}}}), {f32({1, 1, 2}, {3, -4})})[0]);
  EXPECT_FLOAT_EQ(p1[0], 7);
  Tensor x = f32({1, 2, 2, 2}, {1, 2, 3, 6, -1, -2, -3, -4});
  EXPECT_EQ(values<float>(run("GlobalAveragePool", 1, {}, {x})[0]), (std::vector<float>{3, -2.5f}));
  EXPECT_EQ(values<float>(run("GlobalMaxPool", 1, {}, {x})[0]), (std::vector<float>{6, -1}));
  std::vector<float> lp = values<float>(run("GlobalLpPool", 2, {}, {x})[0]);
  EXPECT_FLOAT_EQ(lp[0], std::sqrt(50.f));
  Tensor xd = tensor<double>(DType::F64, {1, 1, 3}, {1, 2, 4});
  EXPECT_EQ(values<double>(run("GlobalAveragePool", 1, {}, {xd})[0]), (std::vector<double>{7.0 / 3}));
}

}  // namespace
}  // namespace layerscope
