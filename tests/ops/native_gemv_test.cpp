// native:gemv (single-row Gemm with constant B and C) against Gemm's reference kernel (and any
// other Gemm kernel that accepts the node, through the kernel harness): every
// transA/transB, alpha/beta, bias shape, sizes around the SIMD width and a classifier head's,
// at 1 and 2 threads; and the nodes it must leave to oneDNN.
#include <gtest/gtest.h>

#include <random>

#include "common/kernel_check.h"

namespace layerscope {
namespace {

const KernelDef* gemv_kernel() {
  for (const KernelDef* k : Registry::builtin().kernels_for("", "Gemm"))
    if (k->name == "native:gemv") return k;
  return nullptr;
}

struct GemmCase {
  int64_t K, N;
  bool trans_a, trans_b;
  float alpha, beta;
  std::optional<Shape> c;  // nullopt: no C
};

Node gemm_node(const GemmCase& c) {
  Node n;
  n.name = "head";
  n.op_type = "Gemm";
  n.opset = 13;
  n.inputs = {0, 1};
  if (c.c) n.inputs.push_back(2);
  n.outputs = {3};
  n.attrs.set("transA", int64_t{c.trans_a});
  n.attrs.set("transB", int64_t{c.trans_b});
  n.attrs.set("alpha", c.alpha);
  n.attrs.set("beta", c.beta);
  return n;
}

// Every Gemm kernel that accepts the node against the reference (tests/common/kernel_check.h),
// B and C constant as initializers; native:gemv must be among them, and packs B (the planner
// then frees the original).
void expect_matches_reference(const GemmCase& c, int threads, std::mt19937& rng) {
  const Node n = gemm_node(c);
  std::vector<testing::CaseInput> ins = {
      {testing::random_f32(rng, c.trans_a ? Shape{c.K, 1} : Shape{1, c.K})},
      testing::constant(testing::random_f32(rng, c.trans_b ? Shape{c.N, c.K} : Shape{c.K, c.N}))};
  if (c.c) ins.push_back(testing::constant(testing::random_f32(rng, *c.c)));
  const testing::KernelCheck r = testing::check_kernels(n, ins, {.threads = threads});
  ASSERT_TRUE(r.ran_kernel("native:gemv"));

  std::vector<TensorInfo> info;
  std::vector<const Tensor*> consts;
  for (const testing::CaseInput& in : ins) {
    info.push_back({DType::F32, in.t.shape()});
    consts.push_back(in.constant ? &in.t : nullptr);
  }
  std::unique_ptr<Kernel> k = gemv_kernel()->create();
  k->prepare(KernelSetup{n, info, consts, r.outputs, threads});
  EXPECT_FALSE(k->reads_input_at_run(1));
}

TEST(NativeGemv, MatchesTheReferenceForEveryAttributeAndBiasShape) {
  const std::vector<std::optional<Shape>> biases = {std::nullopt, Shape{}, Shape{1}, Shape{1, 1}};
  ASSERT_NE(gemv_kernel(), nullptr);
  std::mt19937 rng(7);
  int cases = 0;
  for (auto [K, N] : {std::pair<int64_t, int64_t>{1, 1}, {7, 3}, {17, 33}, {1280, 1000}, {2049, 5}})
    for (bool ta : {false, true})
      for (bool tb : {false, true})
        for (int b = 0; b < 6; ++b) {
          std::optional<Shape> c = b < 4 ? biases[b] : (b == 4 ? Shape{N} : Shape{1, N});
          const GemmCase gc{K, N, ta, tb, b % 2 ? 0.5f : 1.f, b % 3 ? 2.f : 1.f, c};
          for (int threads : {1, 2}) {
            SCOPED_TRACE(::testing::Message() << "K " << K << " N " << N << " transA " << ta << " transB " << tb
                                              << " bias case " << b << " threads " << threads);
            expect_matches_reference(gc, threads, rng);
            ++cases;
          }
        }
  EXPECT_EQ(cases, 5 * 2 * 2 * 6 * 2);
}

TEST(NativeGemv, LeavesOtherGemmsToOneDnn) {
  const GemmCase base{64, 10, false, false, 1.f, 1.f, Shape{10}};
  auto supported = [&](Shape a, bool b_const, bool c_const, Shape c_shape) {
    const Node n = gemm_node(base);
    std::vector<TensorInfo> info = {{DType::F32, a}, {DType::F32, {64, 10}}, {DType::F32, c_shape}};
    Tensor b(DType::F32, {64, 10}), c(DType::F32, c_shape);
    std::vector<const Tensor*> consts = {nullptr, b_const ? &b : nullptr, c_const ? &c : nullptr};
    const std::vector<TensorInfo> outs = {{DType::F32, {a[0], 10}}};
    return gemv_kernel()->supports(KernelSetup{n, info, consts, outs, 1});
  };
  EXPECT_TRUE(supported({1, 64}, true, true, {10}));
  EXPECT_FALSE(supported({2, 64}, true, true, {10}));   // two rows: a real matrix product
  EXPECT_FALSE(supported({1, 64}, false, true, {10}));  // B computed at run time
  EXPECT_FALSE(supported({1, 64}, true, false, {10}));  // C computed at run time
  EXPECT_FALSE(supported({1, 64}, true, true, {3}));    // C neither 1 nor N values
}

}  // namespace
}  // namespace layerscope
