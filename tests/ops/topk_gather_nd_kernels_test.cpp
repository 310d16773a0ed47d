// native:topk (TopK, float32) and native:gathernd (GatherND) against the reference kernels,
// byte for byte, through the kernel harness: every axis, largest and smallest, k from 0 to the
// whole axis, ties, NaNs and signed zeros in the data, the opsets' forms of k, batch_dims, slices
// of every size, outputs big enough for the parallel paths; a GatherND index out of range is an
// Error naming the node.
#include "ops/tensor/common.h"
#include "shape_test_util.h"

namespace layerscope::shape_test {
namespace {

Tensor k_input(int64_t k) { return i64({1}, {k}); }

// Scores with ties (a few distinct values), NaNs and both zeros among them.
Tensor tied_scores(std::mt19937& rng, const Shape& s) {
  Tensor t(DType::F32, s);
  const float pool[] = {0.5f,
                        -0.5f,
                        0.0f,
                        -0.0f,
                        1e30f,
                        -1e30f,
                        std::numeric_limits<float>::quiet_NaN(),
                        -std::numeric_limits<float>::quiet_NaN(),
                        std::numeric_limits<float>::infinity(),
                        0.25f};
  for (int64_t i = 0; i < t.numel(); ++i) t.data_as<float>()[i] = pool[rng() % 10];
  return t;
}

void check_topk(const Tensor& x, int64_t k, int axis, int largest, int opset = 11) {
  std::vector<In> in = {unknown(x)};
  AttrList attrs = {{"axis", int64_t{axis}}};
  if (opset >= 10) in.push_back({k_input(k)});
  else attrs.push_back({"k", k});
  if (opset >= 11) attrs.push_back({"largest", int64_t{largest}});
  Node n = make_node("TopK", opset, in, 2, attrs);
  expect_kernels_match("native:topk", n, in,
                       "x " + shape_to_string(x.shape()) + " k " + std::to_string(k) + " axis " + std::to_string(axis) +
                           " largest " + std::to_string(largest) + " opset " + std::to_string(opset));
}

TEST(TopKKernel, MatchesTheReference) {
  std::mt19937 rng(31);
  // SSDlite's per-class selection: 300 of 3,234 scores.
  check_topk(random_tensor(DType::F32, {3234}, rng), 300, 0, 1);
  check_topk(random_tensor(DType::F32, {3234}, rng), 300, 0, 0);
  for (int axis = 0; axis < 3; ++axis)
    for (int largest : {0, 1}) {
      check_topk(random_tensor(DType::F32, {6, 9, 5}, rng), 3, axis, largest);
      check_topk(tied_scores(rng, {6, 9, 5}), 4, axis, largest);
    }
  check_topk(tied_scores(rng, {40}), 40, 0, 1);                       // the whole axis, sorted
  check_topk(tied_scores(rng, {40}), 0, -1, 1);                       // nothing
  check_topk(random_tensor(DType::F32, {2, 17}, rng), 5, -1, 1, 1);   // k as attribute
  check_topk(random_tensor(DType::F32, {2, 17}, rng), 5, -1, 1, 10);  // k as input, always largest
  // Many lines: the parallel path.
  check_topk(tied_scores(rng, {64, 2048}), 7, 1, 1);
  check_topk(random_tensor(DType::F32, {300, 8, 40}, rng), 2, 1, 0);
}

TEST(TopKKernel, DeclinesOtherTypes) {
  std::mt19937 rng(32);
  std::vector<In> in = {unknown(random_tensor(DType::I64, {10}, rng)), {k_input(3)}};
  EXPECT_FALSE(kernel_accepts("native:topk", make_node("TopK", 11, in, 2, {}), in));
}

// In-range tuples for data's dims b..b+m-1 (some counted from the end), shaped `lead` + [m].
Tensor tuples(std::mt19937& rng, const Shape& data, int64_t b, const Shape& lead, int64_t m) {
  Shape s = lead;
  s.push_back(m);
  Tensor t(DType::I64, s);
  for (int64_t i = 0; i < t.numel(); ++i) {
    const int64_t dim = data[b + i % m];
    int64_t v = static_cast<int64_t>(rng() % dim);
    if (rng() % 3 == 0) v -= dim;
    t.data_as<int64_t>()[i] = v;
  }
  return t;
}

void check_gather_nd(std::mt19937& rng, DType dt, const Shape& data, int64_t b, Shape lead, int64_t m) {
  std::vector<In> in = {unknown(random_tensor(dt, data, rng)), unknown(tuples(rng, data, b, lead, m))};
  Node n = make_node("GatherND", 12, in, 1, {{"batch_dims", b}});
  expect_kernels_match("native:gathernd", n, in,
                       std::string(dtype_name(dt)) + " data " + shape_to_string(data) + " batch_dims " +
                           std::to_string(b) + " m " + std::to_string(m));
}

TEST(GatherNDKernel, MatchesTheReference) {
  std::mt19937 rng(33);
  // SSDlite's selections after NonZero: [N] and [N, 4] by [K, 1].
  check_gather_nd(rng, DType::F32, {3234}, 0, {3230}, 1);
  check_gather_nd(rng, DType::F32, {3234, 4}, 0, {3230}, 1);
  for (DType dt : {DType::U8, DType::F16, DType::F32, DType::I64, DType::Bool}) {
    check_gather_nd(rng, dt, {5, 6, 7}, 0, {4, 3}, 2);  // slices of 7 elements
    check_gather_nd(rng, dt, {5, 6, 7}, 0, {9}, 3);     // single elements
    check_gather_nd(rng, dt, {5, 6, 7}, 1, {5, 4}, 1);  // batch_dims 1
    check_gather_nd(rng, dt, {2, 3, 6, 7}, 2, {2, 3, 5}, 2);
  }
  check_gather_nd(rng, DType::F32, {64, 64, 64}, 0, {300}, 1);  // 4 MB out: the parallel path
}

TEST(GatherNDKernel, NamesTheNodeOfAnIndexOutOfRange) {
  std::vector<In> in = {unknown(Tensor(DType::F32, {4, 3})), unknown(i64({2, 1}, {1, 4}))};
  try {
    run_kernel("native:gathernd", make_node("GatherND", 12, in, 1, {}), in);
    FAIL() << "index 4 of a dimension of 4 was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("index 4 is out of range for a dimension of size 4"), std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("GatherND"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace layerscope::shape_test
