// Einsum's OpDef: the equation parser's errors, shape inference (ellipsis, implicit output,
// broadcasting of size-1 dims), the cost, and the reference kernel on hand-computed results and
// against MatMul's reference kernel (an independent implementation of the same product).
#include <gtest/gtest.h>

#include <random>

#include "attr_check.h"
#include "common/kernel_check.h"
#include "ir/error.h"
#include "registry/registry.h"

namespace layerscope {
namespace {

using testing::attrs;
using testing::f32;
using testing::tensor;

Node einsum_node(const std::string& equation, size_t n_in, int opset = 12) {
  Node n;
  n.name = "e";
  n.op_type = "Einsum";
  n.opset = opset;
  n.attrs.set("equation", equation);
  for (size_t i = 0; i < n_in; ++i) n.inputs.push_back(static_cast<int>(i));
  n.outputs.push_back(100);
  return n;
}

const OpDef& einsum_def(int opset = 12) {
  const OpDef* d = Registry::builtin().find_op("", "Einsum", opset);
  if (!d) fail("no OpDef for Einsum at opset ", opset);
  return *d;
}

TensorInfo infer(const std::string& equation, std::vector<TensorInfo> in) {
  Node n = einsum_node(equation, in.size());
  testing::expect_declared_attributes(n);
  InferContext ctx(n, in, std::vector<const Tensor*>(in.size(), nullptr));
  einsum_def().infer(ctx);
  return ctx.outputs()[0];
}

Shape out_shape(const std::string& equation, std::vector<Shape> shapes) {
  std::vector<TensorInfo> in;
  for (Shape& s : shapes) in.push_back({DType::F32, std::move(s)});
  return infer(equation, std::move(in)).shape;
}

std::string infer_error(const std::string& equation, std::vector<Shape> shapes) {
  try {
    out_shape(equation, std::move(shapes));
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

Tensor run(const std::string& equation, const std::vector<Tensor>& inputs) {
  std::vector<TensorInfo> info;
  std::vector<const Tensor*> ptrs;
  for (const Tensor& t : inputs) {
    info.push_back({t.dtype(), t.shape()});
    ptrs.push_back(&t);
  }
  TensorInfo o = infer(equation, info);
  Tensor out(o.dtype, o.shape);
  Tensor* out_p = &out;
  einsum_def().reference(einsum_node(equation, inputs.size()), ptrs, std::span<Tensor* const>(&out_p, 1));
  return out;
}

template <typename T>
std::vector<T> values(const Tensor& t) {
  return std::vector<T>(t.data_as<T>(), t.data_as<T>() + t.numel());
}

Tensor iota(Shape s, float start = 1.f) {
  Tensor t(DType::F32, std::move(s));
  for (int64_t i = 0; i < t.numel(); ++i) t.data_as<float>()[i] = start + static_cast<float>(i);
  return t;
}

// ---------------- shape inference ----------------

TEST(Einsum, ExplicitAndImplicitOutputs) {
  EXPECT_EQ(out_shape("ij,jk->ik", {{2, 3}, {3, 4}}), (Shape{2, 4}));
  EXPECT_EQ(out_shape("bij, bjk -> bik", {{5, 2, 3}, {5, 3, 4}}), (Shape{5, 2, 4}));
  EXPECT_EQ(out_shape("ij->ji", {{3, 4}}), (Shape{4, 3}));
  EXPECT_EQ(out_shape("ij->", {{3, 4}}), Shape{});
  // Implicit: labels occurring once, in ASCII order (upper case first).
  EXPECT_EQ(out_shape("ba", {{2, 3}}), (Shape{3, 2}));
  EXPECT_EQ(out_shape("i,i", {{5}, {5}}), Shape{});
  EXPECT_EQ(out_shape("ii", {{3, 3}}), Shape{});
  EXPECT_EQ(out_shape("bA,ac", {{2, 3}, {4, 5}}), (Shape{3, 4, 2, 5}));  // A, a, b, c (numpy agrees)
  EXPECT_EQ(out_shape("ij,jk,kl", {{2, 3}, {3, 4}, {4, 5}}), (Shape{2, 5}));
  // MaxViT's window attention, spaces and upper-case labels as torch exports them.
  EXPECT_EQ(out_shape("B G H I D, B G H J D -> B G H I J", {{1, 64, 2, 49, 32}, {1, 64, 2, 49, 32}}),
            (Shape{1, 64, 2, 49, 49}));
}

TEST(Einsum, EllipsisBroadcasts) {
  EXPECT_EQ(out_shape("...ii ->...i", {{3, 5, 5}}), (Shape{3, 5}));
  EXPECT_EQ(out_shape("...ij,...jk->...ik", {{2, 1, 2, 3}, {5, 3, 4}}), (Shape{2, 5, 2, 4}));
  EXPECT_EQ(out_shape("...ij,...jk", {{2, 1, 2, 3}, {5, 3, 4}}), (Shape{2, 5, 2, 4}));
  EXPECT_EQ(out_shape("...i,...i->...", {{2, 3}, {4, 1, 3}}), (Shape{4, 2}));
  EXPECT_EQ(out_shape("i...->...", {{2, 3}}), (Shape{3}));
  EXPECT_EQ(out_shape("...ij->...ji", {{3, 4}}), (Shape{4, 3}));  // '...' covering no dims
  EXPECT_EQ(out_shape("ij->...ij", {{3, 4}}), (Shape{3, 4}));
  EXPECT_EQ(out_shape("i...j,j...->...ij", {{2, 7, 3}, {3, 7}}), (Shape{7, 2, 3}));
}

TEST(Einsum, SizeOneDimsBroadcast) {
  EXPECT_EQ(out_shape("ij,ij->ij", {{1, 3}, {2, 3}}), (Shape{2, 3}));
  EXPECT_EQ(out_shape("ij,kj->ik", {{2, 1}, {4, 3}}), (Shape{2, 4}));
  EXPECT_EQ(out_shape("bij,bjk->bik", {{1, 2, 3}, {6, 3, 4}}), (Shape{6, 2, 4}));
  EXPECT_EQ(out_shape("ij,ij->ij", {{0, 3}, {1, 3}}), (Shape{0, 3}));  // 1 stretches to 0 too
}

TEST(Einsum, DtypeFollowsInputs) {
  EXPECT_EQ(infer("ij,jk", {{DType::I64, {2, 3}}, {DType::I64, {3, 4}}}).dtype, DType::I64);
  EXPECT_EQ(infer("ij", {{DType::F64, {2, 3}}}).dtype, DType::F64);
}

TEST(Einsum, EquationErrorsNameTheNodeAndTheProblem) {
  auto has = [](const std::string& msg, std::initializer_list<const char*> parts) {
    EXPECT_NE(msg.find("'Einsum' node 'e'"), std::string::npos) << msg;
    for (const char* p : parts) EXPECT_NE(msg.find(p), std::string::npos) << "missing '" << p << "' in: " << msg;
  };
  has(infer_error("ij,j#->i", {{2, 3}, {3}}), {"equation 'ij,j#->i'", "character '#' at position 4"});
  has(infer_error("ij,jk", {{2, 3}}), {"2 operand terms", "1 input"});
  has(infer_error("ij", {{2, 3}, {3}}), {"1 operand term ", "2 inputs"});
  has(infer_error("ijk->i", {{2, 3}}), {"3 axes in operand 0 ('ijk')", "shape (2,3) (rank 2)"});
  has(infer_error("...ijk->...", {{2, 3}}), {"besides '...'", "rank 2"});
  has(infer_error("..i->i", {{2}}), {"'.' at position 0 that is not part of '...'"});
  has(infer_error("...i...->i", {{2, 3}}), {"second '...'"});
  has(infer_error("i-i", {{2}}), {"'-' at position 1"});
  has(infer_error("i->i->i", {{2}}), {"second '->'"});
  has(infer_error("i,i->i,i", {{2}, {2}}), {"',' after '->'"});
  has(infer_error("ii->i", {{2, 3}}), {"repeats label 'i' in operand 0", "diagonal", "axes 0 and 1 differ"});
  has(infer_error("ii->i", {{1, 3}}), {"repeats label 'i'"});  // no broadcasting within one operand
  has(infer_error("ij,jk->ik", {{2, 3}, {4, 5}}),
      {"label 'j' size 3 in input 0 (shape (2,3)) but 4 in input 1 (shape (4,5))", "equal or 1"});
  has(infer_error("...i,...i->...", {{2, 3}, {4, 3}}), {"label '...' dim 0 size 2"});
  has(infer_error("ij->ik", {{2, 3}}), {"output label 'k', which no input term has"});
  has(infer_error("ij->ii", {{2, 3}}), {"repeats output label 'i'"});
  has(infer_error("...i->i", {{2, 3}}), {"output without '...'", "cover 1 dims"});
  EXPECT_EQ(infer_error("Ij->I", {{2, 3}}), "");
  // Types: mixed, and half precision (valid ONNX, no kernel here).
  has(
      [] {
        try {
          infer("i,i", {{DType::F32, {2}}, {DType::F64, {2}}});
        } catch (const Error& e) {
          return std::string(e.what());
        }
        return std::string();
      }(),
      {"same type"});
  // The attribute is required.
  Node n = einsum_node("i", 1);
  n.attrs = Attributes();
  std::vector<TensorInfo> in{{DType::F32, {2}}};
  InferContext ctx(n, in, {nullptr});
  try {
    einsum_def().infer(ctx);
    ADD_FAILURE() << "no error without an equation";
  } catch (const Error& e) {
    has(e.what(), {"attribute 'equation' is required"});
  }
}

TEST(Einsum, NotBeforeOpset12) {
  EXPECT_EQ(Registry::builtin().find_op("", "Einsum", 11), nullptr);
  EXPECT_NE(Registry::builtin().find_op("", "Einsum", 21), nullptr);
}

// ---------------- cost ----------------

Cost cost_of(const std::string& equation, std::vector<Shape> shapes) {
  std::vector<TensorInfo> in;
  for (Shape& s : shapes) in.push_back({DType::F32, std::move(s)});
  std::vector<TensorInfo> out{infer(equation, in)};
  Node n = einsum_node(equation, in.size());
  return einsum_def().cost(CostContext{n, in, out});
}

TEST(Einsum, CostCountsTheIndexSpace) {
  // Two operands: batch * M * N * K, like MatMul.
  Cost c = cost_of("bij,bjk->bik", {{5, 2, 3}, {5, 3, 4}});
  EXPECT_EQ(c.macs, 5.0 * 2 * 3 * 4);
  EXPECT_EQ(c.bytes_read, (30 + 60) * 4);
  EXPECT_EQ(c.bytes_written, 40 * 4);
  // Broadcast size-1 dims count at their broadcast size.
  EXPECT_EQ(cost_of("ij,kj->ik", {{2, 1}, {4, 3}}).macs, 2.0 * 3 * 4);
  // Three operands, as defined: 2 MACs per point of i, j, k, l.
  EXPECT_EQ(cost_of("ij,jk,kl->il", {{2, 3}, {3, 4}, {4, 5}}).macs, 2.0 * 2 * 3 * 4 * 5);
  // One operand: adds when summing, nothing for a transpose.
  c = cost_of("ij->i", {{3, 4}});
  EXPECT_EQ(c.macs, 0);
  EXPECT_EQ(c.other_ops, 12);
  c = cost_of("ij->ji", {{3, 4}});
  EXPECT_EQ(c.macs + c.other_ops, 0);
  EXPECT_EQ(cost_of("ii", {{3, 3}}).other_ops, 3);  // the trace adds the 3 diagonal elements
}

// ---------------- reference kernel ----------------

TEST(Einsum, ReferenceHandComputed) {
  // [[1,2,3],[4,5,6]] x [[1,2],[3,4],[5,6]] = [[22,28],[49,64]]
  EXPECT_EQ(values<float>(run("ij,jk->ik", {iota({2, 3}), iota({3, 2})})), (std::vector<float>{22, 28, 49, 64}));
  EXPECT_EQ(values<float>(run("ij->ji", {iota({2, 3})})), (std::vector<float>{1, 4, 2, 5, 3, 6}));
  EXPECT_EQ(values<float>(run("ij->i", {iota({2, 3})})), (std::vector<float>{6, 15}));
  EXPECT_EQ(values<float>(run("ij->", {iota({2, 3})})), (std::vector<float>{21}));
  EXPECT_EQ(values<float>(run("ii", {iota({3, 3})})), (std::vector<float>{1 + 5 + 9}));
  EXPECT_EQ(values<float>(run("...ii->...i", {iota({2, 2, 2})})), (std::vector<float>{1, 4, 5, 8}));
  EXPECT_EQ(values<float>(run("i,i", {iota({3}), iota({3})})), (std::vector<float>{1 + 4 + 9}));
  EXPECT_EQ(values<float>(run("i,j->ij", {iota({2}), iota({3})})), (std::vector<float>{1, 2, 3, 2, 4, 6}));
  // Size-1 broadcast of a label: row [1,2,3] against [[1,2,3],[4,5,6]].
  EXPECT_EQ(values<float>(run("ij,ij->ij", {iota({1, 3}), iota({2, 3})})), (std::vector<float>{1, 4, 9, 4, 10, 18}));
  // Broadcast of a contracted label: a[i,0] * sum_j b[k,j].
  EXPECT_EQ(values<float>(run("ij,kj->ik", {iota({2, 1}), iota({2, 3})})), (std::vector<float>{6, 15, 12, 30}));
  // Three operands: u^T A v with u = [1,2], A = [[1,2],[3,4]], v = [1,1] -> (1*3 + 2*7) = 17.
  EXPECT_EQ(values<float>(run("i,ij,j", {iota({2}), iota({2, 2}), f32({2}, {1, 1})})), (std::vector<float>{17}));
  // Integers and doubles run too.
  Tensor a = tensor<int64_t>(DType::I64, {2, 2}, {1, 2, 3, 4});
  EXPECT_EQ(values<int64_t>(run("ij,jk", {a, a})), (std::vector<int64_t>{7, 10, 15, 22}));
  Tensor d = tensor<double>(DType::F64, {3}, {0.5, 1.5, 2.5});
  EXPECT_EQ(values<double>(run("i->", {d})), (std::vector<double>{4.5}));
  // A summed label of size 0 gives zeros; an output dim of size 0 gives nothing.
  EXPECT_EQ(values<float>(run("ij,jk->ik", {Tensor(DType::F32, {2, 0}), Tensor(DType::F32, {0, 2})})),
            (std::vector<float>{0, 0, 0, 0}));
  EXPECT_EQ(run("ij,jk->ik", {Tensor(DType::F32, {0, 3}), iota({3, 2})}).shape(), (Shape{0, 2}));
}

TEST(Einsum, ReferenceAgreesWithMatMulOnRandomBatches) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> u(-1, 1);
  const OpDef* matmul = Registry::builtin().find_op("", "MatMul", 13);
  ASSERT_NE(matmul, nullptr);
  for (int c = 0; c < 10; ++c) {
    const int64_t b = 1 + c % 3, m = 1 + c % 5, k = 2 + c % 4, n = 1 + c % 6;
    Tensor x(DType::F32, {b, m, k}), y(DType::F32, {b, k, n}), want(DType::F32, {b, m, n});
    for (Tensor* t : {&x, &y})
      for (int64_t i = 0; i < t->numel(); ++i) t->data_as<float>()[i] = u(rng);
    Node mm;
    mm.op_type = "MatMul";
    mm.inputs = {0, 1};
    mm.outputs = {2};
    const Tensor* ins[] = {&x, &y};
    Tensor* outs[] = {&want};
    matmul->reference(mm, ins, outs);
    Tensor got = run("bmk,bkn->bmn", {x, y});
    ASSERT_EQ(got.shape(), want.shape());
    for (int64_t i = 0; i < got.numel(); ++i)
      EXPECT_NEAR(got.data_as<float>()[i], want.data_as<float>()[i], 1e-5f) << "case " << c << " at " << i;
    // The same product with both operands transposed in the equation.
    Tensor got_t = run("bkm,bnk->bmn", {run("bmk->bkm", {x}), run("bkn->bnk", {y})});
    for (int64_t i = 0; i < got.numel(); ++i) EXPECT_NEAR(got_t.data_as<float>()[i], want.data_as<float>()[i], 1e-5f);
  }
}

}  // namespace
}  // namespace layerscope
