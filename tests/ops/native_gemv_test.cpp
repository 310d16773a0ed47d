// native:gemv (single-row Gemm with constant B and C) against Gemm's reference kernel: every
// transA/transB, alpha/beta, bias shape, sizes around the SIMD width and a classifier head's,
// at 1 and 2 threads; and the nodes it must leave to oneDNN.
#include <gtest/gtest.h>

#include <random>

#include "registry/registry.h"

namespace layerscope {
namespace {

const KernelDef* gemv_kernel() {
  for (const KernelDef* k : Registry::builtin().kernels_for("", "Gemm"))
    if (k->name == "native:gemv") return k;
  return nullptr;
}

Tensor random_tensor(std::mt19937& rng, Shape shape) {
  Tensor t(DType::F32, std::move(shape));
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  for (int64_t i = 0; i < t.numel(); ++i) t.data_as<float>()[i] = u(rng);
  return t;
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

// Runs the reference and native:gemv on the same inputs (B and C constant).
void expect_matches_reference(const GemmCase& c, int threads, std::mt19937& rng) {
  const Node n = gemm_node(c);
  std::vector<Tensor> ins = {random_tensor(rng, c.trans_a ? Shape{c.K, 1} : Shape{1, c.K}),
                             random_tensor(rng, c.trans_b ? Shape{c.N, c.K} : Shape{c.K, c.N})};
  if (c.c) ins.push_back(random_tensor(rng, *c.c));
  std::vector<TensorInfo> info;
  std::vector<const Tensor*> all, consts;
  for (size_t i = 0; i < ins.size(); ++i) {
    info.push_back({DType::F32, ins[i].shape()});
    all.push_back(&ins[i]);
    consts.push_back(i == 0 ? nullptr : &ins[i]);
  }
  const std::vector<TensorInfo> outs = {{DType::F32, {1, c.N}}};
  Tensor want(DType::F32, {1, c.N}), got(DType::F32, {1, c.N});
  Tensor* want_p[] = {&want};
  Tensor* got_p[] = {&got};
  Registry::builtin().find_op("", "Gemm", 13)->reference(n, all, want_p);

  KernelSetup s{n, info, consts, outs, threads};
  ASSERT_TRUE(gemv_kernel()->supports(s));
  std::unique_ptr<Kernel> k = gemv_kernel()->create();
  k->prepare(s);
  EXPECT_FALSE(k->reads_input_at_run(1));  // B is packed: the planner frees the original
  for (int rep = 0; rep < 2; ++rep) k->execute(all, got_p, nullptr);
  float scale = 1.f;
  for (int64_t i = 0; i < c.N; ++i) scale = std::max(scale, std::abs(want.data_as<float>()[i]));
  for (int64_t i = 0; i < c.N; ++i)
    ASSERT_NEAR(got.data_as<float>()[i], want.data_as<float>()[i], 1e-4f * scale)
        << "K " << c.K << " N " << c.N << " output " << i;
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
            SCOPED_TRACE(testing::Message() << "K " << K << " N " << N << " transA " << ta << " transB " << tb
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
