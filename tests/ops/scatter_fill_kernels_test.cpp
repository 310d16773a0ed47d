// native:scatter (ScatterElements, Scatter) and native:fill (ConstantOfShape) against the
// reference kernels, byte for byte, through the kernel harness: every axis, index types and
// negative indices, indices smaller than data, duplicates, the reductions, and outputs big
// enough for the parallel path; an index out of range is an Error naming the node.
#include "ops/tensor/common.h"
#include "shape_test_util.h"

namespace layerscope::shape_test {
namespace {

// Random in-range indices for `data` along `axis`, in `shape` (<= data's on the other axes),
// some negative; with `distinct`, no two indices of one (outer, inner) column are equal.
Tensor random_indices(std::mt19937& rng, const Shape& data, const Shape& shape, int axis, DType dt, bool distinct) {
  Tensor t(dt, shape);
  const int64_t dim = data[axis];
  std::vector<int64_t> idx(shape.size());
  for (int64_t k = 0; k < t.numel(); ++k) {
    unravel(k, shape, idx.data());
    int64_t v = distinct ? idx[axis] * 13 % dim : static_cast<int64_t>(rng() % dim);  // 13 is prime to the dims used
    if (rng() % 3 == 0) v -= dim;                                                     // the same element, counted back
    if (dt == DType::I64) t.data_as<int64_t>()[k] = v;
    else t.data_as<int32_t>()[k] = static_cast<int32_t>(v);
  }
  return t;
}

void check_scatter(std::mt19937& rng, DType dt, const Shape& data, Shape ind, int axis, const std::string& reduction,
                   DType index_dt = DType::I64) {
  const bool distinct = reduction == "none";  // duplicates under 'none' are unspecified by ONNX
  const Tensor x = random_tensor(dt, data, rng);
  std::vector<In> in = {
      {x}, unknown(random_indices(rng, data, ind, axis, index_dt, distinct)), unknown(random_tensor(dt, ind, rng))};
  AttrList attrs = {{"axis", int64_t{axis}}};
  if (reduction != "none") attrs.push_back({"reduction", AttrValue(reduction)});
  Node n = make_node("ScatterElements", 18, in, 1, attrs);
  expect_kernels_match("native:scatter", n, in,
                       reduction + " data " + shape_to_string(data) + " indices " + shape_to_string(ind) + " axis " +
                           std::to_string(axis));
}

TEST(ScatterFillKernels, ScatterElementsEveryAxis) {
  std::mt19937 rng(11);
  for (DType dt : {DType::U8, DType::F16, DType::F32, DType::I64})
    for (int axis = 0; axis < 3; ++axis) {
      check_scatter(rng, dt, {7, 9, 11}, {7, 9, 11}, axis, "none");
      check_scatter(rng, dt, {7, 9, 11}, {5, 9, 6}, axis, "none", DType::I32);  // indices smaller than data
    }
  // The detector's pattern: a [R, C, 7, 7] result, axis 0, big enough to run in parallel.
  check_scatter(rng, DType::F32, {150, 64, 7, 7}, {150, 64, 7, 7}, 0, "none");
  check_scatter(rng, DType::F32, {1, 1, 1}, {1, 1, 1}, 2, "none");
}

TEST(ScatterFillKernels, ScatterElementsReductionsKeepTheirOrder) {
  std::mt19937 rng(12);
  for (const char* r : {"add", "mul", "max", "min"}) {
    check_scatter(rng, DType::F32, {6, 5, 4}, {9, 5, 4}, 0, r);  // more updates than rows: duplicates
    check_scatter(rng, DType::F32, {6, 50, 40}, {6, 50, 40}, 2, r);
  }
}

TEST(ScatterFillKernels, ScatterIndexOutOfRangeIsNamed) {
  std::mt19937 rng(13);
  Tensor ind = i64({2, 2}, {0, 1, 5, 0});
  std::vector<In> in = {
      {random_tensor(DType::F32, {3, 2}, rng)}, unknown(ind), unknown(random_tensor(DType::F32, {2, 2}, rng))};
  Node n = make_node("ScatterElements", 18, in, 1, {{"axis", int64_t{0}}});
  try {
    run_kernel("native:scatter", n, in);
    FAIL() << "an index of 5 on a dimension of 3 was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("index 5 is out of range"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("ScatterElements"), std::string::npos) << e.what();
  }
}

TEST(ScatterFillKernels, ConstantOfShapeEveryElementSize) {
  std::mt19937 rng(14);
  for (DType dt : {DType::U8, DType::F16, DType::F32, DType::I64}) {
    for (const Shape& s : {Shape{3, 5}, Shape{150, 256, 7, 7}, Shape{0, 4}}) {
      std::vector<In> in = {{i64s(std::vector<int64_t>(s.begin(), s.end()))}};
      Tensor value = random_tensor(dt, {1}, rng);
      Node n = make_node("ConstantOfShape", 9, in, 1, {{"value", value}});
      expect_kernels_match("native:fill", n, in, std::string(dtype_name(dt)) + " " + shape_to_string(s));
      Tensor zero(dt, {1});
      std::memset(zero.data(), 0, zero.nbytes());
      Node z = make_node("ConstantOfShape", 9, in, 1, {{"value", zero}});
      expect_kernels_match("native:fill", z, in, std::string("zero ") + dtype_name(dt) + " " + shape_to_string(s));
    }
  }
  std::vector<In> in = {{i64s({4, 3})}};
  expect_kernels_match("native:fill", make_node("ConstantOfShape", 9, in, 1, {}), in, "no value: float 0");
}

}  // namespace
}  // namespace layerscope::shape_test
