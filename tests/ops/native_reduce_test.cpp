// native:reduce (float32 Sum / Mean / L1 / L2 / SumSquare over a trailing block of axes)
// against the reductions' reference kernels (double accumulation) on random shapes, axes given
// as attribute (before opset 18) or constant input, keepdims both ways, size-1 axes anywhere,
// long rows; and the forms it leaves to others.
#include <cmath>

#include "shape_test_util.h"

namespace layerscope::shape_test {
namespace {

using V = std::vector<int64_t>;

const char* kOps[] = {"ReduceSum", "ReduceMean", "ReduceL1", "ReduceL2", "ReduceSumSquare"};

Tensor random_input(Shape s, std::mt19937& rng) {
  Tensor t(DType::F32, std::move(s));
  std::normal_distribution<float> d(0.5f, 2.f);
  for (int64_t i = 0; i < t.numel(); ++i) t.data_as<float>()[i] = d(rng);
  return t;
}

// A node reducing `axes` of x (input at opset 18, attribute at 13; ReduceSum: input at 13).
Node reduce_node(const std::string& op, bool as_input, const V& axes, int64_t keepdims, std::vector<In>& in) {
  const int opset = as_input ? 18 : 13;
  const bool input = op == "ReduceSum" ? opset >= 13 : opset >= 18;
  if (input) {
    in.push_back({i64s(axes)});
    return make_node(op, opset, in, 1, {{"keepdims", keepdims}});
  }
  return make_node(op, opset, in, 1, {{"keepdims", keepdims}, {"axes", axes}});
}

// Through the kernel harness: native:reduce (and oneDNN's reduction where it accepts the node)
// within 1e-5 x max(1, |reference|) per element (float sums against the double oracle).
void expect_matches(const Node& n, const std::vector<In>& in, int threads, const std::string& what) {
  SCOPED_TRACE(what);
  const testing::KernelCheck r =
      testing::check_kernels(n, case_inputs(in), {.threads = threads, .tolerance = 1e-5, .per_element = true});
  EXPECT_TRUE(r.ran_kernel("native:reduce")) << what;
}

TEST(NativeReduce, TrailingBlocksMatchTheReference) {
  std::mt19937 rng(41);
  for (int iter = 0; iter < 250; ++iter) {
    const std::string op = kOps[iter % 5];
    const int rank = 1 + static_cast<int>(rng() % 5);
    Shape s(rank);
    for (int64_t& d : s) d = rng() % 5 == 0 ? 1 : 1 + static_cast<int64_t>(rng() % (rank <= 2 ? 300 : 12));
    if (iter % 25 == 0) s.back() = 5000;               // long rows: several chunks
    const int first = static_cast<int>(rng() % rank);  // reduce axes first..rank-1
    V axes;
    for (int d = first; d < rank; ++d)
      if (s[d] != 1 || rng() % 2) axes.push_back(rng() % 2 ? d : d - rank);
    if (axes.empty()) axes.push_back(rank - 1);
    std::vector<In> in = {{random_input(s, rng)}};
    Node n = reduce_node(op, iter % 2, axes, iter % 3 ? 1 : 0, in);
    const std::string what = op + " " + shape_to_string(s) + " axes " + shape_to_string(axes);
    expect_matches(n, in, 1 + iter % 2, what);
  }
}

TEST(NativeReduce, SwinV2AndAllAxes) {
  std::mt19937 rng(42);
  std::vector<In> q = {{random_input({64, 3, 64, 32}, rng)}};
  Node n = reduce_node("ReduceL2", false, {-1}, 1, q);
  expect_matches(n, q, 2, "swin v2 q norm");
  for (const char* op : kOps) {  // no axes: every axis
    std::vector<In> in = {{random_input({3, 1, 7}, rng)}};
    Node all = make_node(op, 18, in, 1, {{"keepdims", int64_t{0}}});
    expect_matches(all, in, 1, std::string(op) + " all axes");
  }
}

TEST(NativeReduce, LeavesOtherFormsToOthers) {
  std::vector<In> mid = {{Tensor(DType::F32, {2, 3, 4})}};
  EXPECT_FALSE(kernel_accepts("native:reduce", reduce_node("ReduceL2", false, {1}, 1, mid), mid));
  std::vector<In> noop = {{Tensor(DType::F32, {2, 3})}, {i64s({})}};
  EXPECT_FALSE(kernel_accepts("native:reduce",
                              make_node("ReduceL2", 18, noop, 1, {{"noop_with_empty_axes", int64_t{1}}}), noop));
  std::vector<In> f64 = {{Tensor(DType::F64, {2, 3})}};
  EXPECT_FALSE(kernel_accepts("native:reduce", reduce_node("ReduceSum", false, {1}, 1, f64), f64));
}

}  // namespace
}  // namespace layerscope::shape_test
