// native:gather on big inputs, run on 2 threads through a real plan: few long runs (a scalar
// index on axis 0, as in attention's q/k/v split) are split across threads, many short ones
// are shared out whole; the values must match a direct gather either way.
#include <gtest/gtest.h>

#include "runtime/executor.h"
#include "runtime/plan.h"

namespace layerscope {
namespace {

// y = Gather(x, indices, axis) with x a graph input and constant int64 indices.
std::vector<Tensor> run_gather(const Tensor& x, const Tensor& indices, int64_t axis, std::string* kernel) {
  Graph g;
  g.model_path = "gather_test.onnx";
  int xv = g.add_value("x");
  g.values[xv].dtype = DType::F32;
  g.inputs.push_back(xv);
  int iv = g.add_value("indices");
  g.values[iv].dtype = DType::I64;
  g.values[iv].constant = indices.clone();
  int yv = g.add_value("y");
  Node n;
  n.name = "gather";
  n.op_type = "Gather";
  n.opset = 17;
  n.inputs = {xv, iv};
  n.outputs = {yv};
  n.attrs.set("axis", axis);
  g.nodes.push_back(n);
  g.outputs = {yv};
  ExecutionPlan p = build_plan(g, {{"x", {DType::F32, x.shape()}}}, Registry::builtin(), 2, false);
  *kernel = p.steps.at(0).kernel->name();
  Executor ex(std::move(p));
  return ex.run({x});
}

Tensor iota_tensor(const Shape& shape) {
  Tensor t(DType::F32, shape);
  for (int64_t i = 0; i < t.numel(); ++i) t.data_as<float>()[i] = static_cast<float>(i);
  return t;
}

Tensor indices_of(Shape shape, std::vector<int64_t> values) {
  Tensor t(DType::I64, std::move(shape));
  for (size_t i = 0; i < values.size(); ++i) t.data_as<int64_t>()[i] = values[i];
  return t;
}

// Checks y against x gathered on `axis` (x of shape (outer, dim, inner) after merging).
void expect_gathered(const Tensor& y, const Tensor& x, int64_t outer, int64_t dim, int64_t inner,
                     const std::vector<int64_t>& idx) {
  const float* px = x.data_as<float>();
  const float* py = y.data_as<float>();
  const int64_t count = static_cast<int64_t>(idx.size());
  ASSERT_EQ(y.numel(), outer * count * inner);
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t j = 0; j < count; ++j) {
      const int64_t k = idx[j] < 0 ? idx[j] + dim : idx[j];
      for (int64_t e = 0; e < inner; ++e)
        ASSERT_EQ(py[(o * count + j) * inner + e], px[(o * dim + k) * inner + e]) << o << " " << j << " " << e;
    }
}

TEST(NativeGather, ScalarIndexOnAxisZeroIsOneLongRun) {
  const Tensor x = iota_tensor({3, 200, 512});  // one 400 KB run: split across the threads
  std::string kernel;
  std::vector<Tensor> y = run_gather(x, indices_of({}, {2}), 0, &kernel);
  EXPECT_EQ(kernel, "native:gather");
  EXPECT_EQ(y[0].shape(), (Shape{200, 512}));
  expect_gathered(y[0], x, 1, 3, 200 * 512, {2});
}

TEST(NativeGather, FewLongRunsWithNegativeIndices) {
  const Tensor x = iota_tensor({3, 200, 512});
  std::string kernel;
  std::vector<Tensor> y = run_gather(x, indices_of({3}, {-1, 0, 1}), 0, &kernel);
  EXPECT_EQ(y[0].shape(), (Shape{3, 200, 512}));
  expect_gathered(y[0], x, 1, 3, 200 * 512, {-1, 0, 1});
}

TEST(NativeGather, ManyShortRunsOnAnInnerAxis) {
  const Tensor x = iota_tensor({64, 300, 16});  // 64 * 150 runs of 64 bytes
  std::vector<int64_t> idx;
  for (int64_t i = 0; i < 150; ++i) idx.push_back((i * 7) % 300);
  std::string kernel;
  std::vector<Tensor> y = run_gather(x, indices_of({150}, idx), 1, &kernel);
  EXPECT_EQ(y[0].shape(), (Shape{64, 150, 16}));
  expect_gathered(y[0], x, 64, 300, 16, idx);
}

}  // namespace
}  // namespace layerscope
