// Native data movement kernels (native:transpose / concat / slice / gather / expand) against the
// reference kernels, byte for byte, on random shapes, permutations and element sizes (through
// the kernel harness: every other kernel that accepts a case is checked too).
#include <algorithm>
#include <numeric>

#include "kernels/native/transpose.h"
#include "shape_test_util.h"

namespace layerscope::shape_test {
namespace {

using V = std::vector<int64_t>;

const DType kSizes[] = {DType::U8, DType::F16, DType::F32, DType::I64};

Shape random_shape(std::mt19937& rng, int rank, int max_dim) {
  Shape s(rank);
  for (int64_t& d : s) d = 1 + static_cast<int64_t>(rng() % max_dim);
  return s;
}

void check_transpose(const Tensor& x, const V& perm, const std::string& what) {
  std::vector<In> in = {{x}};
  Node n = make_node("Transpose", 13, in, 1, {{"perm", perm}});
  expect_kernels_match("native:transpose", n, in,
                       what + " shape " + shape_to_string(x.shape()) + " perm " + shape_to_string(perm));
}

TEST(DataMovementKernels, TransposePlanReducesAxes) {
  // (0,1,3,2) on (2,3,4,5): axes 0,1 stay adjacent -> a batch of 6 (4x5)^T transposes.
  native::TransposePlan p({2, 3, 4, 5}, {0, 1, 3, 2}, 4);
  EXPECT_EQ(p.dims(), (V{6, 5, 4}));
  EXPECT_EQ(p.in_strides(), (V{20, 1, 5}));
  // Size-1 axes vanish; (0,2,1,3) keeps the innermost axis: runs of 64.
  native::TransposePlan q({1, 197, 12, 64}, {0, 2, 1, 3}, 4);
  EXPECT_EQ(q.dims(), (V{12, 197, 64}));
  EXPECT_EQ(q.in_strides(), (V{64, 768, 1}));
  native::TransposePlan id({3, 1, 4}, {1, 0, 2}, 4);
  EXPECT_EQ(id.dims(), (V{12}));
}

TEST(DataMovementKernels, TransposeRandom) {
  std::mt19937 rng(1);
  for (int iter = 0; iter < 300; ++iter) {
    const int rank = 1 + static_cast<int>(rng() % 5);
    Shape s = random_shape(rng, rank, rank <= 2 ? 40 : 9);
    V perm(rank);
    std::iota(perm.begin(), perm.end(), 0);
    std::shuffle(perm.begin(), perm.end(), rng);
    check_transpose(random_tensor(kSizes[iter % 4], s, rng), perm, "random");
  }
}

TEST(DataMovementKernels, TransposeTransformerLayouts) {
  std::mt19937 rng(2);
  for (DType dt : kSizes) {
    check_transpose(random_tensor(dt, {1, 197, 12, 64}, rng), {0, 2, 1, 3}, "head split");
    check_transpose(random_tensor(dt, {2, 12, 197, 64}, rng), {0, 2, 1, 3}, "head merge");
    check_transpose(random_tensor(dt, {2, 12, 197, 64}, rng), {0, 1, 3, 2}, "K^T");
    check_transpose(random_tensor(dt, {1, 197, 12, 64}, rng), {0, 2, 3, 1}, "K^T from tokens");
    check_transpose(random_tensor(dt, {2, 50, 3, 12, 64}, rng), {2, 0, 3, 1, 4}, "qkv split");
    check_transpose(random_tensor(dt, {1, 768, 14, 14}, rng), {0, 2, 3, 1}, "NCHW->NHWC");
    check_transpose(random_tensor(dt, {1, 196, 768}, rng), {0, 2, 1}, "tokens->channels");
  }
  // Edge cases: empty, scalar-like, all ones, and big enough for the parallel path.
  check_transpose(random_tensor(DType::F32, {3, 0, 5}, rng), {2, 0, 1}, "empty");
  check_transpose(random_tensor(DType::F32, {1, 1, 1}, rng), {2, 1, 0}, "ones");
  check_transpose(random_tensor(DType::F32, {7}, rng), {0}, "1-D");
  check_transpose(random_tensor(DType::F32, {4, 509, 257}, rng), {0, 2, 1}, "big odd");
  check_transpose(random_tensor(DType::I64, {3, 65, 33, 17}, rng), {3, 1, 0, 2}, "big generic");
}

TEST(DataMovementKernels, DepthSpace) {
  std::mt19937 rng(3);
  for (DType dt : kSizes)
    for (const char* mode : {"DCR", "CRD"}) {
      std::vector<In> in = {{random_tensor(dt, {2, 18, 5, 7}, rng)}};
      Node n = make_node("DepthToSpace", 13, in, 1, {{"blocksize", int64_t{3}}, {"mode", std::string(mode)}});
      expect_kernels_match("native:transpose", n, in, std::string("d2s ") + mode);
      std::vector<In> s2d = {{random_tensor(dt, {2, 3, 8, 12}, rng)}};
      Node m = make_node("SpaceToDepth", 13, s2d, 1, {{"blocksize", int64_t{4}}});
      expect_kernels_match("native:transpose", m, s2d, "s2d");
    }
}

TEST(DataMovementKernels, ConcatRandom) {
  std::mt19937 rng(4);
  for (int iter = 0; iter < 100; ++iter) {
    const int rank = 1 + static_cast<int>(rng() % 4);
    const int axis = static_cast<int>(rng() % rank);
    Shape base = random_shape(rng, rank, iter % 10 == 0 ? (rank <= 2 ? 700 : 30) : 6);
    std::vector<In> in;
    const int count = 1 + static_cast<int>(rng() % 4);
    for (int i = 0; i < count; ++i) {
      Shape s = base;
      s[axis] = static_cast<int64_t>(rng() % 5);  // zero-size pieces included
      in.push_back({random_tensor(kSizes[iter % 4], s, rng)});
    }
    Node n = make_node("Concat", 13, in, 1, {{"axis", int64_t{axis - (iter % 2 ? rank : 0)}}});
    expect_kernels_match("native:concat", n, in, "concat " + std::to_string(iter));
  }
  for (int64_t axis : {0, 1, 2}) {  // big enough for the parallel path
    Shape a = {8, 100, 128}, b = a;
    b[axis] = 3;
    std::vector<In> in = {{random_tensor(DType::F32, a, rng)}, {random_tensor(DType::F32, b, rng)}};
    Node n = make_node("Concat", 13, in, 1, {{"axis", axis}});
    expect_kernels_match("native:concat", n, in, "big concat");
  }
}

// Split into 1-4 parts along any axis, sizes given as an input (zero-size parts included) or
// equal parts (no sizes), every element size; and big enough for the parallel path.
TEST(DataMovementKernels, SplitRandom) {
  std::mt19937 rng(14);
  for (int iter = 0; iter < 100; ++iter) {
    const int rank = 1 + static_cast<int>(rng() % 4);
    const int axis = static_cast<int>(rng() % rank);
    const int count = 1 + static_cast<int>(rng() % 4);
    Shape x = random_shape(rng, rank, iter % 10 == 0 ? (rank <= 2 ? 700 : 30) : 6);
    std::vector<In> in;
    if (iter % 3 == 0) {  // equal parts
      x[axis] = count * (1 + static_cast<int64_t>(rng() % 3));
      in = {{random_tensor(kSizes[iter % 4], x, rng)}};
    } else {
      std::vector<int64_t> sizes(count);
      for (int64_t& v : sizes) v = static_cast<int64_t>(rng() % 4);
      x[axis] = 0;
      for (int64_t v : sizes) x[axis] += v;
      in = {{random_tensor(kSizes[iter % 4], x, rng)}, {i64({count}, sizes)}};
    }
    Node n = make_node("Split", 13, in, count, {{"axis", int64_t{axis - (iter % 2 ? rank : 0)}}});
    expect_kernels_match("native:split", n, in, "split " + std::to_string(iter));
  }
  for (int64_t axis : {0, 1, 2}) {
    std::vector<In> in = {{random_tensor(DType::F32, {8, 100, 128}, rng)}};
    Node n = make_node("Split", 13, in, 2, {{"axis", axis}});
    expect_kernels_match("native:split", n, in, "big split");
  }
}

TEST(DataMovementKernels, SliceRandom) {
  std::mt19937 rng(5);
  for (int iter = 0; iter < 200; ++iter) {
    const int rank = 1 + static_cast<int>(rng() % 4);
    Shape s = random_shape(rng, rank, iter % 20 == 0 ? (rank <= 2 ? 700 : 30) : 8);  // big: parallel path
    V starts, ends, axes;
    for (int d = 0; d < rank; ++d) {
      if (rng() % 3 == 0) continue;  // leave some axes whole
      const int64_t dim = s[d];
      starts.push_back(static_cast<int64_t>(rng() % (2 * dim + 1)) - dim);
      ends.push_back(rng() % 5 == 0 ? INT64_MAX : static_cast<int64_t>(rng() % (2 * dim + 1)) - dim);
      axes.push_back(rng() % 2 ? d : d - rank);
    }
    std::vector<In> in = {{random_tensor(kSizes[iter % 4], s, rng)}, {i64s(starts)}, {i64s(ends)}, {i64s(axes)}};
    if (iter % 2) in.push_back({i64s(V(starts.size(), 1))});
    Node n = make_node("Slice", 13, in, 1, {});
    expect_kernels_match("native:slice", n, in, "slice " + std::to_string(iter));
  }
  Tensor x(DType::F32, {6});
  std::vector<In> legacy = {{x}};
  Node old = make_node("Slice", 9, legacy, 1, {{"starts", V{1}}, {"ends", V{4}}});
  expect_kernels_match("native:slice", old, legacy, "slice-9");
}

// Steps other than 1 (negative: reversed; > 1: strided), on random shapes and element sizes.
TEST(DataMovementKernels, SliceSteps) {
  std::mt19937 rng(7);
  for (int iter = 0; iter < 300; ++iter) {
    const int rank = 1 + static_cast<int>(rng() % 4);
    Shape s = random_shape(rng, rank, iter % 20 == 0 ? (rank <= 2 ? 700 : 30) : 8);  // big: parallel path
    V starts, ends, axes, steps;
    for (int d = 0; d < rank; ++d) {
      if (rng() % 4 == 0) continue;
      const int64_t dim = s[d];
      int64_t step = 1 + static_cast<int64_t>(rng() % 4);
      if (rng() % 2) step = -step;
      starts.push_back(rng() % 6 == 0 ? (step > 0 ? INT64_MIN : INT64_MAX)
                                      : static_cast<int64_t>(rng() % (2 * dim + 1)) - dim);
      ends.push_back(rng() % 5 == 0 ? (step > 0 ? INT64_MAX : INT64_MIN)
                                    : static_cast<int64_t>(rng() % (2 * dim + 1)) - dim);
      axes.push_back(rng() % 2 ? d : d - rank);
      steps.push_back(step);
    }
    std::vector<In> in = {
        {random_tensor(kSizes[iter % 4], s, rng)}, {i64s(starts)}, {i64s(ends)}, {i64s(axes)}, {i64s(steps)}};
    Node n = make_node("Slice", 13, in, 1, {});
    expect_kernels_match(
        "native:slice", n, in,
        "slice steps " + std::to_string(iter) + " " + shape_to_string(s) + " steps " + shape_to_string(steps));
  }
  std::mt19937 r2(8);
  // Swin's patch merging x[:, 0::2, 1::2, :] on channels-last tokens, and a flip of the last axis.
  std::vector<In> merge = {{random_tensor(DType::F32, {1, 56, 56, 96}, r2)},
                           {i64s({0, 1})},
                           {i64s({INT64_MAX, INT64_MAX})},
                           {i64s({1, 2})},
                           {i64s({2, 2})}};
  Node m = make_node("Slice", 13, merge, 1, {});
  expect_kernels_match("native:slice", m, merge, "patch merging");
  std::vector<In> flip = {
      {random_tensor(DType::F32, {3, 4, 200}, r2)}, {i64s({-1})}, {i64s({INT64_MIN})}, {i64s({2})}, {i64s({-1})}};
  Node f = make_node("Slice", 13, flip, 1, {});
  expect_kernels_match("native:slice", f, flip, "flip");
}

// Dropout kept (mask read or a graph output): native:copy writes y = x and an all-kept mask.
TEST(DataMovementKernels, DropoutMask) {
  std::mt19937 rng(10);
  for (int opset : {7, 13})
    for (int64_t n : {int64_t{1}, int64_t{5}, int64_t{1000}, int64_t{70000}}) {
      std::vector<In> in = {{random_tensor(DType::F32, {n}, rng)}};
      Node d = make_node("Dropout", opset, in, 2, {});
      expect_kernels_match("native:copy", d, in, "opset " + std::to_string(opset) + " n " + std::to_string(n));
    }
}

// Expand: random shapes with random axes of x set to 1 (broadcast), x of lower rank, targets
// with 1s where x is larger (numpy rules both ways), every element size; Swin V2's case.
TEST(DataMovementKernels, ExpandRandom) {
  std::mt19937 rng(9);
  for (int iter = 0; iter < 200; ++iter) {
    const int rank = 1 + static_cast<int>(rng() % 5);
    Shape out = random_shape(rng, rank, iter % 20 == 0 ? (rank <= 2 ? 600 : 24) : 6);
    const int x_rank = 1 + static_cast<int>(rng() % rank);
    Shape x(out.end() - x_rank, out.end()), target = out;
    for (int64_t& d : x)
      if (rng() % 2) d = 1;
    for (int d = 0; d < x_rank; ++d)  // a target 1 where x keeps its size
      if (x[d] != 1 && rng() % 4 == 0) target[rank - x_rank + d] = 1;
    if (rng() % 3 == 0) target.erase(target.begin(), target.begin() + (rank - x_rank));  // shorter target
    std::vector<In> in = {{random_tensor(kSizes[iter % 4], x, rng)}, {i64s(target)}};
    Node n = make_node("Expand", 13, in, 1, {});
    expect_kernels_match("native:expand", n, in, "expand " + shape_to_string(x) + " to " + shape_to_string(target));
  }
  std::vector<In> swin = {{random_tensor(DType::F32, {64, 3, 64, 1}, rng)}, {i64s({64, 3, 64, 32})}};
  Node n = make_node("Expand", 13, swin, 1, {});
  expect_kernels_match("native:expand", n, swin, "swin v2");
  std::vector<In> empty = {{random_tensor(DType::F32, {3, 1}, rng)}, {i64s({0, 3, 4})}};
  Node e = make_node("Expand", 13, empty, 1, {});
  expect_kernels_match("native:expand", e, empty, "empty");
}

TEST(DataMovementKernels, GatherRandom) {
  std::mt19937 rng(6);
  for (int iter = 0; iter < 150; ++iter) {
    const int rank = 1 + static_cast<int>(rng() % 4);
    Shape s = random_shape(rng, rank, iter % 15 == 0 ? (rank <= 2 ? 700 : 30) : 7);
    const int axis = static_cast<int>(rng() % rank);
    Shape is = random_shape(rng, static_cast<int>(rng() % 3), 5);
    const int64_t dim = s[axis];
    V idx(shape_numel(is));
    for (int64_t& v : idx) v = static_cast<int64_t>(rng() % (2 * dim)) - dim;
    Tensor ind = i64(is, idx);
    if (iter % 3 == 0) {  // int32 indices
      std::vector<int32_t> v32(idx.begin(), idx.end());
      ind = i32(is, v32);
    }
    std::vector<In> in = {{random_tensor(kSizes[iter % 4], s, rng)}, unknown(ind)};
    Node n = make_node("Gather", 13, in, 1, {{"axis", int64_t{axis}}});
    expect_kernels_match("native:gather", n, in, "gather " + std::to_string(iter));
  }
  std::vector<In> bad = {{Tensor(DType::F32, {3, 2})}, unknown(i64({1}, {3}))};
  EXPECT_THROW(run_kernel("native:gather", make_node("Gather", 13, bad, 1, {}), bad), Error);
}

}  // namespace
}  // namespace layerscope::shape_test
