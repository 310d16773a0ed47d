// Tensor (data movement) family: inference (incl. errors) and reference results on small
// hand-computed examples. Native kernels vs reference: data_movement_kernels_test.cpp.
#include <cmath>

#include "ops/tensor/common.h"
#include "shape_test_util.h"

namespace layerscope::shape_test {
namespace {

using V = std::vector<int64_t>;
using F = std::vector<float>;

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

F iota_f(int64_t n) {
  F v(n);
  for (int64_t i = 0; i < n; ++i) v[i] = static_cast<float>(i);
  return v;
}

TEST(TensorOps, EveryOpsetUpTo21IsCovered) {
  const std::pair<const char*, int> ops[] = {
      {"Shape", 1},           {"Size", 1},         {"Reshape", 1},      {"Flatten", 1},
      {"Squeeze", 1},         {"Unsqueeze", 1},    {"Identity", 1},     {"Dropout", 1},
      {"ConstantOfShape", 9}, {"Range", 11},       {"EyeLike", 9},      {"Transpose", 1},
      {"Concat", 1},          {"Split", 1},        {"Slice", 1},        {"Gather", 1},
      {"GatherElements", 11}, {"GatherND", 11},    {"ScatterND", 11},   {"ScatterElements", 11},
      {"Expand", 8},          {"Tile", 1},         {"Pad", 1},          {"OneHot", 9},
      {"Trilu", 14},          {"DepthToSpace", 1}, {"SpaceToDepth", 1}, {"NonZero", 9},
      {"ArgMax", 1},          {"ArgMin", 1},       {"TopK", 1},         {"CumSum", 11},
      {"Compress", 9}};
  for (const auto& [op, first] : ops)
    for (int v = first; v <= 21; ++v)
      EXPECT_NE(Registry::builtin().find_op("", op, v), nullptr) << op << " opset " << v;
  EXPECT_NE(Registry::builtin().find_op("", "Scatter", 10), nullptr);
  EXPECT_EQ(Registry::builtin().find_op("", "Scatter", 11), nullptr);  // deprecated at 11
}

TEST(TensorOps, GatherCostCountsRowsRead) {
  // An embedding lookup reads the gathered rows, not the whole table.
  Node n = make_node("Gather", 13, {{Tensor(DType::F32, {1, 1})}, {i64({2}, {0, 0})}}, 1, {});
  std::vector<TensorInfo> in = {{DType::F32, {30000, 768}}, {DType::I64, {2}}}, out = {{DType::F32, {2, 768}}};
  Cost c = op_def_for(n).cost(CostContext{n, in, out});
  EXPECT_EQ(c.bytes_read, 2 * 768 * 4 + 16);
  EXPECT_EQ(c.bytes_written, 2 * 768 * 4);
}

TEST(TensorOps, HalfConversions) {
  EXPECT_EQ(float_to_f16(1.f), 0x3C00);
  EXPECT_EQ(float_to_f16(-2.5f), 0xC100);
  EXPECT_EQ(float_to_f16(65504.f), 0x7BFF);
  EXPECT_EQ(float_to_f16(1e6f), 0x7C00);
  EXPECT_EQ(float_to_f16(5.96046448e-8f), 0x0001);    // smallest subnormal
  EXPECT_EQ(float_to_f16(1.f + 1.f / 2048), 0x3C00);  // tie rounds to even
  EXPECT_EQ(f16_to_float(0x3555), 0.333251953125f);
  EXPECT_TRUE(std::isnan(f16_to_float(float_to_f16(NAN))));
  for (uint32_t h = 0; h < 0x7C00; h += 7) EXPECT_EQ(float_to_f16(f16_to_float(h)), h);
  EXPECT_EQ(float_to_bf16(1.f), 0x3F80);
  EXPECT_EQ(bf16_to_float(0xC000), -2.f);
}

TEST(TensorOps, Transpose) {
  Tensor x = f32({2, 3}, {1, 2, 3, 4, 5, 6});
  EXPECT_EQ(values_of<float>(run_ref("Transpose", 13, {{x}})), (F{1, 4, 2, 5, 3, 6}));
  Tensor y = run_ref("Transpose", 13, {{f32({2, 3, 4}, iota_f(24))}}, {{"perm", V{1, 2, 0}}});
  EXPECT_EQ(y.shape(), (Shape{3, 4, 2}));
  EXPECT_EQ(values_of<float>(y)[1], 12.f);  // y[0,0,1] = x[1,0,0]
  EXPECT_EQ(values_of<float>(y)[7], 15.f);  // y[0,3,1] = x[1,0,3]
  EXPECT_TRUE(contains(infer_error("Transpose", 13, {{x}}, {{"perm", V{0, 0}}}), "not a permutation"));
  EXPECT_TRUE(contains(infer_error("Transpose", 13, {{x}}, {{"perm", V{0}}}), "rank 2"));
}

TEST(TensorOps, DepthToSpaceAndBack) {
  Tensor x = f32({1, 8, 2, 3}, iota_f(48));
  Tensor dcr = run_ref("DepthToSpace", 13, {{x}}, {{"blocksize", int64_t{2}}});
  Tensor crd = run_ref("DepthToSpace", 13, {{x}}, {{"blocksize", int64_t{2}}, {"mode", std::string("CRD")}});
  EXPECT_EQ(dcr.shape(), (Shape{1, 2, 4, 6}));
  // DCR: y[0,c,h*2+i,w*2+j] = x[0,(i*2+j)*2+c,h,w]; CRD: x[0,c*4+i*2+j,h,w].
  EXPECT_EQ(values_of<float>(dcr)[0 * 24 + 1 * 6 + 1], x.data_as<float>()[(1 * 2 + 1) * 2 * 6 + 0]);
  EXPECT_EQ(values_of<float>(dcr)[1 * 24 + 3 * 6 + 4], x.data_as<float>()[((1 * 2 + 0) * 2 + 1) * 6 + 1 * 3 + 2]);
  EXPECT_EQ(values_of<float>(crd)[1 * 24 + 3 * 6 + 4], x.data_as<float>()[(1 * 4 + 1 * 2 + 0) * 6 + 1 * 3 + 2]);
  // SpaceToDepth inverts DCR.
  Tensor back = run_ref("SpaceToDepth", 13, {{dcr}}, {{"blocksize", int64_t{2}}});
  EXPECT_EQ(values_of<float>(back), values_of<float>(x));
  EXPECT_TRUE(contains(infer_error("DepthToSpace", 13, {{x}}, {{"blocksize", int64_t{3}}}), "not divisible"));
  EXPECT_TRUE(contains(infer_error("DepthToSpace", 13, {{x}}, {{"blocksize", int64_t{2}}, {"mode", std::string("X")}}),
                       "'mode' = 'X' is not supported"));
  EXPECT_TRUE(contains(infer_error("SpaceToDepth", 13, {{x}}, {{"blocksize", int64_t{2}}}), "divisible"));
}

TEST(TensorOps, ConcatAndSplit) {
  Tensor a = f32({2, 1}, {1, 2}), b = f32({2, 2}, {3, 4, 5, 6});
  Tensor y = run_ref("Concat", 13, {{a}, {b}}, {{"axis", int64_t{-1}}});
  EXPECT_EQ(values_of<float>(y), (F{1, 3, 4, 2, 5, 6}));
  EXPECT_EQ(infer("Concat", 1, {{a}, {b}})[0].shape, (Shape{2, 3}));  // axis defaults to 1
  EXPECT_TRUE(contains(infer_error("Concat", 13, {{a}, {b}}), "'axis' is required"));
  EXPECT_TRUE(contains(infer_error("Concat", 13, {{a}, {b}}, {{"axis", int64_t{0}}}), "does not match"));

  Tensor x = f32({5}, {1, 2, 3, 4, 5});
  auto parts = run_all("Split", 18, {{x}}, {{"num_outputs", int64_t{3}}}, 3);  // 2, 2, 1
  EXPECT_EQ(values_of<float>(parts[2]), (F{5}));
  parts = run_all("Split", 13, {{x}, {i64s({1, 4})}}, {}, 2);
  EXPECT_EQ(values_of<float>(parts[1]), (F{2, 3, 4, 5}));
  parts = run_all("Split", 11, {{x}}, {{"split", V{3, 2}}}, 2);
  EXPECT_EQ(values_of<float>(parts[0]), (F{1, 2, 3}));
  EXPECT_TRUE(contains(infer_error("Split", 13, {{x}}, {}, 2), "cannot be split evenly"));
  EXPECT_TRUE(contains(infer_error("Split", 13, {{x}, {i64s({1, 1})}}, {}, 2), "sum to 2"));
  EXPECT_TRUE(contains(infer_error("Split", 18, {{x}}, {{"num_outputs", int64_t{2}}}, 3), "3 outputs"));
  auto two_d = run_all("Split", 13, {{f32({2, 4}, iota_f(8))}}, {{"axis", int64_t{1}}}, 2);
  EXPECT_EQ(values_of<float>(two_d[1]), (F{2, 3, 6, 7}));
}

TEST(TensorOps, Slice) {
  Tensor x = f32({10}, iota_f(10));
  auto slice = [&](V starts, V ends, V axes, V steps) {
    std::vector<In> in = {{x}, {i64s(starts)}, {i64s(ends)}};
    in.push_back(axes.empty() ? omitted() : In{i64s(axes)});
    in.push_back(steps.empty() ? omitted() : In{i64s(steps)});
    return values_of<float>(run_ref("Slice", 13, in));
  };
  EXPECT_EQ(slice({2}, {5}, {}, {}), (F{2, 3, 4}));
  EXPECT_EQ(slice({-3}, {INT64_MAX}, {0}, {}), (F{7, 8, 9}));
  EXPECT_EQ(slice({-1}, {INT64_MIN}, {}, {-3}), (F{9, 6, 3, 0}));
  EXPECT_EQ(slice({20}, {-20}, {}, {-4}), (F{9, 5, 1}));  // start clamped to 9
  EXPECT_EQ(slice({5}, {2}, {}, {}), F{});
  EXPECT_EQ(slice({1}, {1000}, {-1}, {4}), (F{1, 5, 9}));
  Tensor m = f32({3, 4}, iota_f(12));
  Tensor y = run_ref("Slice", 1, {{m}}, {{"starts", V{1, 1}}, {"ends", V{3, 3}}});
  EXPECT_EQ(values_of<float>(y), (F{5, 6, 9, 10}));
  EXPECT_TRUE(contains(infer_error("Slice", 13, {{x}, {i64s({0})}, {i64s({1})}, {i64s({0})}, {i64s({0})}}), "step 0"));
  EXPECT_TRUE(contains(infer_error("Slice", 13, {{m}, {i64s({0, 0})}, {i64s({1, 1})}, {i64s({1, -1})}}), "repeated"));
  EXPECT_TRUE(deferred("Slice", 13, {{x}, unknown(i64s({0})), {i64s({1})}}));
}

TEST(TensorOps, Gathers) {
  Tensor x = f32({3, 2}, {1, 2, 3, 4, 5, 6});
  Tensor y = run_ref("Gather", 13, {{x}, {i64({2, 2}, {0, -1, 2, 1})}});
  EXPECT_EQ(y.shape(), (Shape{2, 2, 2}));
  EXPECT_EQ(values_of<float>(y), (F{1, 2, 5, 6, 5, 6, 3, 4}));
  y = run_ref("Gather", 13, {{x}, {i32({}, {1})}}, {{"axis", int64_t{1}}});
  EXPECT_EQ(values_of<float>(y), (F{2, 4, 6}));
  EXPECT_THROW(run_ref("Gather", 13, {{x}, {i64({1}, {3})}}), Error);

  y = run_ref("GatherElements", 13, {{x}, {i64({2, 2}, {1, 0, 0, 1})}}, {{"axis", int64_t{1}}});
  EXPECT_EQ(values_of<float>(y), (F{2, 1, 3, 4}));

  Tensor d = f32({2, 2, 2}, iota_f(8));
  y = run_ref("GatherND", 13, {{d}, {i64({2, 2}, {0, 1, 1, 0})}});
  EXPECT_EQ(values_of<float>(y), (F{2, 3, 4, 5}));
  y = run_ref("GatherND", 13, {{d}, {i64({2, 1}, {1, 0})}}, {{"batch_dims", int64_t{1}}});
  EXPECT_EQ(y.shape(), (Shape{2, 2}));
  EXPECT_EQ(values_of<float>(y), (F{2, 3, 4, 5}));
  EXPECT_TRUE(contains(infer_error("GatherND", 13, {{d}, {i64({1, 4}, {0, 0, 0, 0})}}), "last indices dimension"));
}

TEST(TensorOps, Scatters) {
  Tensor data = f32({1, 5}, {1, 2, 3, 4, 5});
  Tensor ind = i64({1, 2}, {1, 3}), upd = f32({1, 2}, {1.1f, 2.1f});
  Tensor y = run_ref("ScatterElements", 13, {{data}, {ind}, {upd}}, {{"axis", int64_t{1}}});
  EXPECT_EQ(values_of<float>(y), (F{1, 1.1f, 3, 2.1f, 5}));
  Tensor dup = i64({1, 2}, {1, 1});
  y = run_ref("ScatterElements", 18, {{data}, {dup}, {upd}}, {{"axis", int64_t{1}}, {"reduction", std::string("add")}});
  EXPECT_FLOAT_EQ(values_of<float>(y)[1], 2 + 1.1f + 2.1f);
  y = run_ref("ScatterElements", 18, {{data}, {dup}, {upd}}, {{"axis", int64_t{1}}, {"reduction", std::string("min")}});
  EXPECT_FLOAT_EQ(values_of<float>(y)[1], 1.1f);
  EXPECT_TRUE(contains(infer_error("ScatterElements", 16, {{data}, {ind}, {upd}}, {{"reduction", std::string("max")}}),
                       "expected one of none, add, mul"));
  EXPECT_TRUE(contains(infer_error("ScatterElements", 13, {{data}, {ind}, {upd}}, {{"reduction", std::string("add")}}),
                       "unknown attribute 'reduction' (accepted in opsets 16 and later)"));

  Tensor d = i32({4}, {1, 2, 3, 4});
  y = run_ref("ScatterND", 16, {{d}, {i64({2, 1}, {0, 3})}, {i32({2}, {10, 20})}}, {{"reduction", std::string("mul")}});
  EXPECT_EQ(values_of<int32_t>(y), (std::vector<int32_t>{10, 2, 3, 80}));
  Tensor m = f32({2, 2}, {1, 2, 3, 4});
  y = run_ref("ScatterND", 13, {{m}, {i64({1, 1}, {-1})}, {f32({1, 2}, {7, 8})}});
  EXPECT_EQ(values_of<float>(y), (F{1, 2, 7, 8}));
  EXPECT_TRUE(
      contains(infer_error("ScatterND", 13, {{m}, {i64({1, 1}, {0})}, {f32({2}, {7, 8})}}), "updates have shape"));
}

TEST(TensorOps, ExpandTile) {
  Tensor x = f32({3, 1}, {1, 2, 3});
  Tensor y = run_ref("Expand", 13, {{x}, {i64s({2, 1, 2})}});
  EXPECT_EQ(y.shape(), (Shape{2, 3, 2}));
  EXPECT_EQ(values_of<float>(y), (F{1, 1, 2, 2, 3, 3, 1, 1, 2, 2, 3, 3}));
  EXPECT_EQ(infer("Expand", 13, {{x}, {i64s({1})}})[0].shape, (Shape{3, 1}));  // broadcast both ways
  EXPECT_TRUE(contains(infer_error("Expand", 13, {{x}, {i64s({2, 2})}}), "cannot be broadcast"));
  y = run_ref("Tile", 13, {{f32({2}, {1, 2})}, {i64s({3})}});
  EXPECT_EQ(values_of<float>(y), (F{1, 2, 1, 2, 1, 2}));
  y = run_ref("Tile", 13, {{f32({1, 2}, {1, 2})}, {i64s({2, 1})}});
  EXPECT_EQ(values_of<float>(y), (F{1, 2, 1, 2}));
  EXPECT_TRUE(contains(infer_error("Tile", 13, {{x}, {i64s({2})}}), "one value per input axis"));
  EXPECT_TRUE(deferred("Tile", 13, {{x}, unknown(i64s({2, 2}))}));
}

TEST(TensorOps, PadModes) {
  Tensor x = f32({3, 2}, {1.0f, 1.2f, 2.3f, 3.4f, 4.5f, 5.7f});
  auto pad = [&](const std::string& mode, V pads, int opset = 19) {
    return values_of<float>(run_ref("Pad", opset, {{x}, {i64s(pads)}}, {{"mode", mode}}));
  };
  EXPECT_EQ(pad("constant", {0, 2, 0, 0}), (F{0, 0, 1.0f, 1.2f, 0, 0, 2.3f, 3.4f, 0, 0, 4.5f, 5.7f}));
  EXPECT_EQ(pad("reflect", {0, 2, 0, 0}), (F{1.0f, 1.2f, 1.0f, 1.2f, 2.3f, 3.4f, 2.3f, 3.4f, 4.5f, 5.7f, 4.5f, 5.7f}));
  EXPECT_EQ(pad("edge", {0, 2, 0, 0}), (F{1.0f, 1.0f, 1.0f, 1.2f, 2.3f, 2.3f, 2.3f, 3.4f, 4.5f, 4.5f, 4.5f, 5.7f}));
  F wrap = pad("wrap", {2, 1, 1, 1});  // the ONNX spec example
  EXPECT_EQ(wrap.size(), 24u);
  EXPECT_EQ(F(wrap.begin(), wrap.begin() + 4), (F{3.4f, 2.3f, 3.4f, 2.3f}));
  EXPECT_EQ(F(wrap.end() - 4, wrap.end()), (F{1.2f, 1.0f, 1.2f, 1.0f}));
  EXPECT_EQ(pad("constant", {-1, 0, 0, 0}), (F{2.3f, 3.4f, 4.5f, 5.7f}));  // negative pads crop
  EXPECT_TRUE(contains(infer_error("Pad", 18, {{x}, {i64s({0, 0, 0, 0})}}, {{"mode", std::string("wrap")}}),
                       "expected one of constant, reflect, edge"));
  // constant_value and axes (opset 18).
  Tensor y = run_ref("Pad", 18, {{x}, {i64s({1, 0})}, {f32({}, {9})}, {i64s({-1})}});
  EXPECT_EQ(values_of<float>(y), (F{9, 1.0f, 1.2f, 9, 2.3f, 3.4f, 9, 4.5f, 5.7f}));
  // Attribute forms (opset 2 pads + value, opset 1 paddings).
  y = run_ref("Pad", 2, {{i32({2}, {1, 2})}}, {{"pads", V{1, 1}}, {"value", 5.f}});
  EXPECT_EQ(values_of<int32_t>(y), (std::vector<int32_t>{5, 1, 2, 5}));
  y = run_ref("Pad", 1, {{f32({2}, {1, 2})}}, {{"paddings", V{0, 2}}, {"mode", std::string("reflect")}});
  EXPECT_EQ(values_of<float>(y), (F{1, 2, 1, 2}));
  EXPECT_TRUE(contains(infer_error("Pad", 13, {{x}, {i64s({1, 1})}}), "expected 4"));
  // A repeated axis (-1 is 1 again) is refused rather than taking the last pads.
  EXPECT_TRUE(contains(infer_error("Pad", 18, {{x}, {i64s({1, 0, 0, 2})}, omitted(), {i64s({1, -1})}}),
                       "axis -1 is repeated in 'axes'"));
}

TEST(TensorOps, OneHotTriluNonZeroCompress) {
  Tensor y = run_ref("OneHot", 11, {{i64({3}, {0, -1, 5})}, {f32({}, {3})}, {f32({2}, {0, 1})}});
  EXPECT_EQ(y.shape(), (Shape{3, 3}));
  EXPECT_EQ(values_of<float>(y), (F{1, 0, 0, 0, 0, 1, 0, 0, 0}));
  y = run_ref("OneHot", 11, {{i64({2}, {1, 0})}, {i64({1}, {2})}, {i32({2}, {-1, 7})}}, {{"axis", int64_t{0}}});
  EXPECT_EQ(values_of<int32_t>(y), (std::vector<int32_t>{-1, 7, 7, -1}));

  Tensor m = f32({3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
  EXPECT_EQ(values_of<float>(run_ref("Trilu", 14, {{m}})), (F{1, 2, 3, 0, 5, 6, 0, 0, 9}));
  EXPECT_EQ(values_of<float>(run_ref("Trilu", 14, {{m}, {i64({}, {-1})}}, {{"upper", int64_t{0}}})),
            (F{0, 0, 0, 4, 0, 0, 7, 8, 0}));

  Tensor nz = run_ref("NonZero", 13, {{f32({2, 2}, {1, 0, -0.f, 3})}});
  EXPECT_EQ(nz.shape(), (Shape{2, 2}));
  EXPECT_EQ(values_of<int64_t>(nz), (V{0, 1, 0, 1}));
  EXPECT_TRUE(deferred("NonZero", 13, {unknown(f32({1}, {1}))}));
  // Rank 3, the row-major index carried across every axis boundary; int64 and scalar inputs.
  Tensor nz3 = run_ref("NonZero", 13, {{f32({2, 2, 3}, {0, 1, 0, 0, 0, 2, 3, 0, 0, 0, 0, 4})}});
  EXPECT_EQ(values_of<int64_t>(nz3), (std::vector<int64_t>{0, 0, 1, 1, 0, 1, 0, 1, 1, 2, 0, 2}));
  EXPECT_EQ(values_of<int64_t>(run_ref("NonZero", 13, {{i64({4}, {0, 7, 0, -1})}})), (std::vector<int64_t>{1, 3}));
  EXPECT_EQ(run_ref("NonZero", 13, {{f32({}, {5})}}).shape(), (Shape{0, 1}));

  Tensor x = f32({3, 2}, {1, 2, 3, 4, 5, 6});
  y = run_ref("Compress", 11, {{x}, {boolean({2}, {0, 1})}}, {{"axis", int64_t{0}}});
  EXPECT_EQ(values_of<float>(y), (F{3, 4}));
  y = run_ref("Compress", 11, {{x}, {boolean({5}, {0, 1, 0, 0, 1})}});
  EXPECT_EQ(values_of<float>(y), (F{2, 5}));
}

TEST(TensorOps, ArgTopKCumSum) {
  Tensor x = f32({2, 3}, {1, 3, 3, 4, 2, 4});
  EXPECT_EQ(values_of<int64_t>(run_ref("ArgMax", 13, {{x}}, {{"axis", int64_t{1}}})), (V{1, 0}));
  EXPECT_EQ(values_of<int64_t>(run_ref("ArgMax", 13, {{x}}, {{"axis", int64_t{1}}, {"select_last_index", int64_t{1}}})),
            (V{2, 2}));
  Tensor am = run_ref("ArgMin", 13, {{x}}, {{"keepdims", int64_t{0}}});
  EXPECT_EQ(am.shape(), (Shape{3}));
  EXPECT_EQ(values_of<int64_t>(am), (V{0, 1, 0}));

  auto top = run_all("TopK", 11, {{x}, {i64s({2})}}, {}, 2);
  EXPECT_EQ(values_of<float>(top[0]), (F{3, 3, 4, 4}));
  EXPECT_EQ(values_of<int64_t>(top[1]), (V{1, 2, 0, 2}));  // ties: lower index first
  top = run_all("TopK", 11, {{x}, {i64s({1})}}, {{"largest", int64_t{0}}, {"axis", int64_t{0}}}, 2);
  EXPECT_EQ(values_of<float>(top[0]), (F{1, 2, 3}));
  EXPECT_EQ(values_of<int64_t>(top[1]), (V{0, 1, 0}));
  top = run_all("TopK", 1, {{x}}, {{"k", int64_t{1}}}, 2);
  EXPECT_EQ(values_of<float>(top[0]), (F{3, 4}));
  EXPECT_TRUE(contains(infer_error("TopK", 11, {{x}, {i64s({4})}}, {}, 2), "k = 4 is out of range"));

  Tensor c = f32({4}, {1, 2, 3, 4});
  EXPECT_EQ(values_of<float>(run_ref("CumSum", 14, {{c}, {i32({}, {0})}})), (F{1, 3, 6, 10}));
  EXPECT_EQ(values_of<float>(run_ref("CumSum", 14, {{c}, {i64({}, {0})}}, {{"exclusive", int64_t{1}}})),
            (F{0, 1, 3, 6}));
  EXPECT_EQ(values_of<float>(run_ref("CumSum", 14, {{c}, {i64({}, {-1})}}, {{"reverse", int64_t{1}}})),
            (F{10, 9, 7, 4}));
  EXPECT_EQ(values_of<float>(
                run_ref("CumSum", 14, {{c}, {i64({}, {0})}}, {{"reverse", int64_t{1}}, {"exclusive", int64_t{1}}})),
            (F{9, 7, 4, 0}));
  // float16 goes through float arithmetic.
  Tensor h = make<uint16_t>(DType::F16, {3}, {0x3C00, 0x4000, 0x3C00});  // 1, 2, 1
  EXPECT_EQ(values_of<uint16_t>(run_ref("CumSum", 14, {{h}, {i64({}, {0})}})),
            (std::vector<uint16_t>{0x3C00, 0x4200, 0x4400}));
  EXPECT_EQ(values_of<int64_t>(run_ref("ArgMax", 13, {{h}})), (V{1}));
}

}  // namespace
}  // namespace layerscope::shape_test
