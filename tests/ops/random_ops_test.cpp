// Random family (RandomUniform, RandomNormal, their *Like forms, Bernoulli, Multinomial):
// inference and errors, the documented reproducibility (same node, same numbers; the seed
// attribute chooses the stream) and the distributions' moments.
#include <cmath>

#include "ops/tensor/common.h"
#include "shape_test_util.h"

namespace layerscope::shape_test {
namespace {

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

std::vector<double> doubles(const Tensor& t) {
  std::vector<double> v(t.numel());
  for (int64_t i = 0; i < t.numel(); ++i) v[i] = element_as_double(t, i);
  return v;
}

void moments(const std::vector<double>& v, double* mean, double* var) {
  double s = 0, s2 = 0;
  for (double x : v) s += x, s2 += x * x;
  *mean = s / v.size();
  *var = s2 / v.size() - *mean * *mean;
}

TEST(RandomOps, UniformAndNormalMoments) {
  const std::vector<int64_t> shape = {100, 100};
  auto u = doubles(run_ref("RandomUniform", 1, {}, {{"shape", shape}, {"low", 2.f}, {"high", 5.f}}));
  ASSERT_EQ(u.size(), 10000u);
  for (double x : u) ASSERT_TRUE(x >= 2 && x < 5) << x;
  double mean, var;
  moments(u, &mean, &var);
  EXPECT_NEAR(mean, 3.5, 0.05);
  EXPECT_NEAR(var, 9.0 / 12, 0.05);
  auto n = doubles(run_ref("RandomNormal", 1, {}, {{"shape", shape}, {"mean", -1.f}, {"scale", 2.f}}));
  moments(n, &mean, &var);
  EXPECT_NEAR(mean, -1, 0.06);
  EXPECT_NEAR(var, 4, 0.2);
  // dtype picks the float type; others are refused.
  EXPECT_EQ(run_ref("RandomNormal", 1, {}, {{"shape", std::vector<int64_t>{3}}, {"dtype", int64_t{11}}}).dtype(),
            DType::F64);
  EXPECT_TRUE(contains(infer_error("RandomUniform", 1, {}, {{"shape", std::vector<int64_t>{3}}, {"dtype", int64_t{7}}}),
                       "'dtype' = 7 must name a float type"));
  EXPECT_TRUE(contains(infer_error("RandomUniform", 1, {}), "attribute 'shape' is required"));
}

TEST(RandomOps, SameNodeSameNumbersSeedChoosesTheStream) {
  const std::vector<int64_t> shape = {64};
  auto a = doubles(run_ref("RandomUniform", 1, {}, {{"shape", shape}, {"seed", 3.f}}));
  auto b = doubles(run_ref("RandomUniform", 1, {}, {{"shape", shape}, {"seed", 3.f}}));
  auto c = doubles(run_ref("RandomUniform", 1, {}, {{"shape", shape}, {"seed", 4.f}}));
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  // Without a seed: a fixed stream per node (from its name), the same in every execution.
  Node n = make_node("RandomNormal", 1, {}, 1, {{"shape", shape}});
  n.name = "noise_a";
  auto first = doubles(run_all(n, {})[0]);
  EXPECT_EQ(first, doubles(run_all(n, {})[0]));
  n.name = "noise_b";
  EXPECT_NE(first, doubles(run_all(n, {})[0]));
}

TEST(RandomOps, LikeOpsTakeTheInputsShapeAndType) {
  Tensor x(DType::F64, {2, 3});
  Tensor y = run_ref("RandomUniformLike", 1, {{x}});
  EXPECT_EQ(y.dtype(), DType::F64);
  EXPECT_EQ(y.shape(), (Shape{2, 3}));
  EXPECT_EQ(run_ref("RandomNormalLike", 1, {{Tensor(DType::I64, {4})}}, {{"dtype", int64_t{10}}}).dtype(), DType::F16);
  EXPECT_TRUE(contains(infer_error("RandomNormalLike", 1, {{Tensor(DType::I64, {4})}}), "must be a float type"));
}

TEST(RandomOps, BernoulliAndMultinomial) {
  std::vector<float> p(1000);
  for (size_t i = 0; i < p.size(); ++i) p[i] = i % 2 ? 1.f : 0.f;
  auto y = doubles(run_ref("Bernoulli", 15, {{f32({1000}, p)}}));
  for (size_t i = 0; i < p.size(); ++i) ASSERT_EQ(y[i], p[i]) << i;  // p = 0 and p = 1 are certain
  Tensor half = run_ref("Bernoulli", 15, {{f32({4000}, std::vector<float>(4000, 0.25f))}}, {{"dtype", int64_t{9}}});
  EXPECT_EQ(half.dtype(), DType::Bool);
  double mean, var;
  moments(doubles(half), &mean, &var);
  EXPECT_NEAR(mean, 0.25, 0.03);
  // Log-probabilities: class 2 of row 0 and class 0 of row 1 dominate.
  Tensor logits = f32({2, 3}, {-50, -50, 0, 0, -50, -50});
  Tensor s = run_ref("Multinomial", 7, {{logits}}, {{"sample_size", int64_t{5}}});
  EXPECT_EQ(s.dtype(), DType::I32);
  EXPECT_EQ(values_of<int32_t>(s), (std::vector<int32_t>{2, 2, 2, 2, 2, 0, 0, 0, 0, 0}));
  // Two equal classes: each drawn about half the time.
  Tensor fair =
      run_ref("Multinomial", 7, {{f32({1, 2}, {0, 0})}}, {{"sample_size", int64_t{4000}}, {"dtype", int64_t{7}}});
  moments(doubles(fair), &mean, &var);
  EXPECT_NEAR(mean, 0.5, 0.03);
  EXPECT_TRUE(
      contains(infer_error("Multinomial", 7, {{logits}}, {{"dtype", int64_t{1}}}), "must be INT32 (6) or INT64 (7)"));
  EXPECT_TRUE(contains(infer_error("Multinomial", 7, {{f32({6}, {0, 0, 0, 0, 0, 0})}}), "must be [batch, classes]"));
  EXPECT_TRUE(contains(infer_error("Multinomial", 7, {{logits}}, {{"sample_size", int64_t{0}}}), "must be positive"));
}

}  // namespace
}  // namespace layerscope::shape_test
