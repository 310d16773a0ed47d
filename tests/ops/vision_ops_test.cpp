// Vision and small ops (issue 13): NonMaxSuppression, RoiAlign, MaxRoiPool, GridSample,
// AffineGrid, MaxUnpool, Col2Im, CenterCropPad, Det, Unique, ReverseSequence, Shrink. Edge cases
// the ONNX backend data misses, on hand-computed examples, and the errors for bad input.
// Against onnxruntime on random inputs: check_vision_ort.py (ctest vision_ort).
#include <cmath>
#include <numeric>
#include <random>

#include "shape_test_util.h"

namespace layerscope::shape_test {
namespace {

using V = std::vector<int64_t>;
using F = std::vector<float>;
using S = std::string;

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }
Tensor scalar_f(float v) { return f32({}, {v}); }
Tensor scalar_i(int64_t v) { return i64({}, {v}); }

void expect_near_all(const Tensor& t, const F& want, float tol = 1e-5f) {
  const F got = values_of<float>(t);
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(got[i], want[i], tol) << "element " << i;
}

TEST(VisionOps, EveryOpsetUpTo21IsCovered) {
  const std::pair<const char*, int> ops[] = {
      {"NonMaxSuppression", 10}, {"RoiAlign", 10}, {"MaxRoiPool", 1},     {"GridSample", 16}, {"AffineGrid", 20},
      {"MaxUnpool", 9},          {"Col2Im", 18},   {"CenterCropPad", 18}, {"Det", 11},        {"Unique", 11},
      {"ReverseSequence", 10},   {"Shrink", 9}};
  for (const auto& [op, first] : ops)
    for (int v = first; v <= 21; ++v)
      EXPECT_NE(Registry::builtin().find_op("", op, v), nullptr) << op << " opset " << v;
}

// ---- NonMaxSuppression ----

TEST(VisionOps, NmsCenterPointBoxesWithTiedScores) {
  // Centre format [xc, yc, w, h]. Boxes 0 and 2 tie on score: the lower index goes first, and
  // box 2 (identical to 0) is suppressed; box 1 overlaps box 0 by IoU 1/3 (kept at 0.5, dropped
  // at 0.3); box 3 is far away.
  Tensor boxes = f32({1, 4, 4}, {0, 0, 2, 2, 1, 0, 2, 2, 0, 0, 2, 2, 10, 10, 1, 1});
  Tensor scores = f32({1, 1, 4}, {0.9f, 0.8f, 0.9f, 0.7f});
  auto run = [&](float iou) {
    return values_of<int64_t>(run_ref("NonMaxSuppression", 11, {{boxes}, {scores}, {scalar_i(10)}, {scalar_f(iou)}},
                                      {{"center_point_box", int64_t{1}}}));
  };
  EXPECT_EQ(run(0.5f), (V{0, 0, 0, 0, 0, 1, 0, 0, 3}));
  EXPECT_EQ(run(0.3f), (V{0, 0, 0, 0, 0, 3}));
  // The same boxes as corners [y1, x1, y2, x2] given in flipped order select the same.
  Tensor corners = f32({1, 4, 4}, {1, 1, -1, -1, 1, 2, -1, 0, -1, -1, 1, 1, 10.5f, 10.5f, 9.5f, 9.5f});
  EXPECT_EQ(
      values_of<int64_t>(run_ref("NonMaxSuppression", 11, {{corners}, {scores}, {scalar_i(10)}, {scalar_f(0.5f)}})),
      (V{0, 0, 0, 0, 0, 1, 0, 0, 3}));
}

TEST(VisionOps, NmsLimitsThresholdsAndDefaults) {
  Tensor boxes = f32({1, 3, 4}, {0, 0, 1, 1, 0, 2, 1, 3, 0, 4, 1, 5});  // disjoint
  Tensor scores = f32({1, 2, 3}, {0.1f, 0.5f, 0.3f, 0.3f, 0.2f, 0.6f});
  // No max_output_boxes_per_class: 0 boxes per class.
  EXPECT_EQ(run_ref("NonMaxSuppression", 11, {{boxes}, {scores}}).shape(), (Shape{0, 3}));
  // Two per class, per class in score order.
  EXPECT_EQ(values_of<int64_t>(run_ref("NonMaxSuppression", 10, {{boxes}, {scores}, {scalar_i(2)}})),
            (V{0, 0, 1, 0, 0, 2, 0, 1, 2, 0, 1, 0}));
  // score_threshold is strict: 0.3 drops the boxes scoring exactly 0.3.
  EXPECT_EQ(values_of<int64_t>(
                run_ref("NonMaxSuppression", 11, {{boxes}, {scores}, {scalar_i(5)}, {scalar_f(0)}, {scalar_f(0.3f)}})),
            (V{0, 0, 1, 0, 1, 2}));
  // The selection count is the output's shape: unknown scores defer the node to run time.
  EXPECT_TRUE(deferred("NonMaxSuppression", 11, {{boxes}, unknown(scores), {scalar_i(2)}}));
}

TEST(VisionOps, NmsNeverSelectsANanScore) {
  Tensor boxes = f32({1, 2, 4}, {0, 0, 1, 1, 0, 2, 1, 3});
  Tensor scores = f32({1, 1, 2}, {NAN, 0.5f});
  EXPECT_EQ(values_of<int64_t>(run_ref("NonMaxSuppression", 11, {{boxes}, {scores}, {scalar_i(5)}})), (V{0, 0, 1}));
}

TEST(VisionOps, NmsErrors) {
  Tensor boxes = f32({1, 3, 4}, F(12, 0));
  Tensor scores = f32({1, 2, 3}, F(6, 0));
  EXPECT_TRUE(contains(infer_error("NonMaxSuppression", 11, {{f32({3, 4}, F(12, 0))}, {scores}}),
                       "'boxes' must be [batches, boxes, 4]"));
  EXPECT_TRUE(contains(infer_error("NonMaxSuppression", 11, {{boxes}, {f32({1, 2, 4}, F(8, 0))}}),
                       "'scores' must be [batches, classes, boxes]"));
  EXPECT_TRUE(contains(infer_error("NonMaxSuppression", 11, {{boxes}, {scores}}, {{"center_point_box", int64_t{2}}}),
                       "'center_point_box' must be 0 or 1"));
  EXPECT_TRUE(contains(infer_error("NonMaxSuppression", 11, {{boxes}, {scores}, {scalar_i(1)}, {scalar_f(1.5f)}}),
                       "'iou_threshold' must be in [0, 1]"));
  EXPECT_TRUE(contains(infer_error("NonMaxSuppression", 11, {{boxes}, {scores}, {f32({}, {1})}}), "INT64"));
}

// Thousands of boxes in clusters of every size (the grid that limits which kept boxes a
// candidate is tested against must not change the answer): against a direct O(n^2) selection.
TEST(VisionOps, NmsOnManyBoxesMatchesTheDirectSelection) {
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> u(0.f, 1.f);
  const int64_t n = 3000;
  std::vector<float> boxes(n * 4), scores(n);
  for (int64_t i = 0; i < n; ++i) {
    const float cx = 50.f * static_cast<float>(i % 40) + 30.f * u(rng), cy = 400.f * u(rng);
    const float w = i % 97 == 0 ? 2000.f : 1.f + 60.f * u(rng) * u(rng), h = 1.f + 60.f * u(rng);
    boxes[i * 4 + 0] = cy - h / 2, boxes[i * 4 + 1] = cx - w / 2, boxes[i * 4 + 2] = cy + h / 2,
                  boxes[i * 4 + 3] = cx + w / 2;
    scores[i] = u(rng);
  }
  auto iou = [&](int64_t a, int64_t b) {
    const float* p = &boxes[a * 4];
    const float* q = &boxes[b * 4];
    const float ix = std::min(p[3], q[3]) - std::max(p[1], q[1]), iy = std::min(p[2], q[2]) - std::max(p[0], q[0]);
    if (ix <= 0 || iy <= 0) return 0.0;
    const double inter = double(ix) * iy, ua = double(p[2] - p[0]) * (p[3] - p[1]),
                 ub = double(q[2] - q[0]) * (q[3] - q[1]);
    return inter / (ua + ub - inter);
  };
  for (float thr : {0.1f, 0.5f, 0.9f}) {
    std::vector<int64_t> order(n);
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return scores[a] > scores[b]; });
    V want;
    std::vector<int64_t> kept;
    for (int64_t i : order) {
      bool drop = false;
      for (int64_t k : kept) drop = drop || iou(k, i) > thr + 1e-6;  // clear of float rounding at the threshold
      bool near_threshold = false;
      for (int64_t k : kept) near_threshold = near_threshold || std::abs(iou(k, i) - thr) <= 1e-6;
      ASSERT_FALSE(near_threshold && !drop) << "test data too close to the threshold; pick another seed";
      if (drop) continue;
      kept.push_back(i);
      want.insert(want.end(), {0, 0, i});
    }
    const V got = values_of<int64_t>(run_ref(
        "NonMaxSuppression", 11, {{f32({1, n, 4}, boxes)}, {f32({1, 1, n}, scores)}, {scalar_i(n)}, {scalar_f(thr)}}));
    EXPECT_EQ(got, want) << "iou_threshold " << thr << ": " << got.size() / 3 << " kept, want " << want.size() / 3;
  }
}

// ---- DeformConv ----

TEST(VisionOps, DeformConvShapesAndErrors) {
  const Tensor x = f32({1, 4, 5, 5}, F(100, 0.f)), w = f32({6, 2, 3, 3}, F(108, 0.f));
  const Tensor offset = f32({1, 2 * 9 * 2, 3, 3}, F(324, 0.f));
  const AttrList groups = {{"group", int64_t{2}}, {"offset_group", int64_t{2}}};
  EXPECT_EQ(infer("DeformConv", 19, {{x}, {w}, {offset}}, groups)[0].shape, (Shape{1, 6, 3, 3}));
  // Zero offsets and no mask: exactly a convolution (here of zeros, plus the bias).
  const Tensor b = f32({6}, {1, 2, 3, 4, 5, 6});
  expect_near_all(run_ref("DeformConv", 19, {{x}, {w}, {offset}, {b}}, groups), [] {
    F v;
    for (float c = 1; c <= 6; ++c) v.insert(v.end(), 9, c);
    return v;
  }());
  EXPECT_TRUE(contains(infer_error("DeformConv", 19, {{x}, {w}, {f32({1, 18, 3, 3}, F(162, 0.f))}}, groups),
                       "'offset' must be [N, offset_group * kH * kW * 2, oH, oW] = (1,36,3,3)"));
  EXPECT_TRUE(contains(
      infer_error("DeformConv", 19, {{x}, {w}, {offset}}, {{"group", int64_t{2}}, {"offset_group", int64_t{3}}}),
      "'offset_group' (3) must divide the 4 input channels"));
  EXPECT_TRUE(contains(
      infer_error("DeformConv", 19,
                  {{f32({1, 4, 5}, F(20, 0.f))}, {f32({6, 2, 3}, F(36, 0.f))}, {f32({1, 6, 3}, F(18, 0.f))}}, groups),
      "only 2-D deformable convolution"));
}

// ---- RoiAlign, MaxRoiPool ----

TEST(VisionOps, RoiAlignCoordinateModes) {
  // x[y][x] = 4y + x. One bin, one sample at the roi's centre: output_half_pixel samples at
  // (1.5, 1.5) = 7.5; half_pixel shifts by half a pixel to (1, 1) = 5.
  Tensor x = f32({1, 1, 4, 4}, F{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15});
  Tensor rois = f32({1, 4}, {0, 0, 3, 3});
  Tensor batch = i64({1}, {0});
  const AttrList one = {{"sampling_ratio", int64_t{1}}};
  AttrList ohp = one, hp = one;
  ohp.push_back({"coordinate_transformation_mode", S("output_half_pixel")});
  hp.push_back({"coordinate_transformation_mode", S("half_pixel")});
  expect_near_all(run_ref("RoiAlign", 16, {{x}, {rois}, {batch}}, ohp), {7.5f});
  expect_near_all(run_ref("RoiAlign", 16, {{x}, {rois}, {batch}}, hp), {5.f});
  expect_near_all(run_ref("RoiAlign", 10, {{x}, {rois}, {batch}}, one), {7.5f});  // opset 10: output_half_pixel
  // Adaptive sampling (0): ceil(3 / 1) = 3 x 3 samples at 0.5, 1.5, 2.5: their mean, 7.5; max
  // mode takes the largest weighted tap of each sample (as onnxruntime and the ONNX reference do).
  expect_near_all(
      run_ref("RoiAlign", 16, {{x}, {rois}, {batch}}, {{"coordinate_transformation_mode", S("output_half_pixel")}}),
      {7.5f});
  Tensor mx = run_ref("RoiAlign", 16, {{x}, {rois}, {batch}},
                      {{"coordinate_transformation_mode", S("output_half_pixel")}, {"mode", S("max")}});
  expect_near_all(mx, {0.25f * 15});  // sample (2.5, 2.5): taps 10, 11, 14, 15 at weight 1/4
  // Output bins: 2 x 2 of a 1-channel image, shape [rois, C, h, w].
  EXPECT_EQ(
      run_ref("RoiAlign", 16, {{x}, {rois}, {batch}}, {{"output_height", int64_t{2}}, {"output_width", int64_t{3}}})
          .shape(),
      (Shape{1, 1, 2, 3}));
}

TEST(VisionOps, RoiAlignErrors) {
  Tensor x = f32({1, 1, 4, 4}, F(16, 0));
  Tensor rois = f32({1, 4}, {0, 0, 3, 3});
  Tensor batch = i64({1}, {0});
  EXPECT_TRUE(contains(infer_error("RoiAlign", 16, {{x}, {rois}, {batch}}, {{"mode", S("median")}}),
                       "'mode' must be 'avg' or 'max'"));
  EXPECT_TRUE(contains(
      infer_error("RoiAlign", 16, {{x}, {rois}, {batch}}, {{"coordinate_transformation_mode", S("asymmetric")}}),
      "'half_pixel' or 'output_half_pixel'"));
  EXPECT_TRUE(
      contains(infer_error("RoiAlign", 16, {{x}, {f32({1, 5}, F(5, 0))}, {batch}}), "'rois' must be [num_rois, 4]"));
  EXPECT_TRUE(
      contains(infer_error("RoiAlign", 16, {{x}, {rois}, {i64({2}, {0, 0})}}), "'batch_indices' must be [num_rois]"));
  EXPECT_TRUE(contains(infer_error("RoiAlign", 16, {{f32({1, 4, 4}, F(16, 0))}, {rois}, {batch}}), "[N, C, H, W]"));
  EXPECT_TRUE(
      contains(infer_error("RoiAlign", 16,
                           {{make<int32_t>(DType::I32, {1, 1, 4, 4}, std::vector<int32_t>(16))}, {rois}, {batch}}),
               "input X has type INT32"));
  // A batch index past the images fails at run time, naming the node.
  try {
    run_ref("RoiAlign", 16, {{x}, {rois}, {i64({1}, {3})}});
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_TRUE(contains(e.what(), "batch_indices[0] = 3 is out of range")) << e.what();
  }
}

TEST(VisionOps, RoiAlignRefusesHugeOrNanRegions) {
  Tensor x = f32({1, 1, 4, 4}, F(16, 0));
  Tensor batch = i64({1}, {0});
  for (float bad : {NAN, 1e30f}) {
    try {
      run_ref("RoiAlign", 16, {{x}, {f32({1, 4}, {0, 0, bad, 3})}, {batch}});
      ADD_FAILURE() << "no error for " << bad;
    } catch (const Error& e) {
      EXPECT_TRUE(contains(e.what(), "roi 0 is not finite or spans more than")) << e.what();
    }
  }
  try {  // a fixed sampling ratio too large for any bin
    run_ref("RoiAlign", 16, {{x}, {f32({1, 4}, {0, 0, 3, 3})}, {batch}}, {{"sampling_ratio", int64_t{1} << 40}});
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_TRUE(contains(e.what(), "samples per bin")) << e.what();
  }
}

TEST(VisionOps, MaxRoiPool) {
  Tensor x = f32({1, 1, 4, 4}, F{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15});
  // Region x 0..3, y 0..1 (rounded, inclusive) in 2 x 2 bins: maxima of [0..1 x 0], [2..3 x 0], ...
  Tensor rois = f32({1, 5}, {0, 0, 0, 3, 1});
  Tensor y = run_ref("MaxRoiPool", 1, {{x}, {rois}}, {{"pooled_shape", V{2, 2}}});
  EXPECT_EQ(y.shape(), (Shape{1, 1, 2, 2}));
  EXPECT_EQ(values_of<float>(y), (F{1, 3, 5, 7}));
  EXPECT_TRUE(contains(infer_error("MaxRoiPool", 1, {{x}, {rois}}), "'pooled_shape' is missing"));
  EXPECT_TRUE(contains(infer_error("MaxRoiPool", 1, {{x}, {f32({1, 4}, F(4, 0))}}, {{"pooled_shape", V{2, 2}}}),
                       "'rois' must be [num_rois, 5]"));
}

// ---- GridSample, AffineGrid ----

TEST(VisionOps, GridSamplePaddingModes) {
  // X = [[1, 2], [3, 4]]; grid point (x, y) = (-2, 0) -> pixel coordinates (-1.5, 0.5).
  Tensor x = f32({1, 1, 2, 2}, {1, 2, 3, 4});
  Tensor grid = f32({1, 1, 1, 2}, {-2, 0});
  auto at = [&](const char* padding, int opset = 16, const char* mode = "bilinear") {
    return values_of<float>(
        run_ref("GridSample", opset, {{x}, {grid}}, {{"padding_mode", S(padding)}, {"mode", S(mode)}}))[0];
  };
  EXPECT_FLOAT_EQ(at("zeros"), 0.f);        // both x taps (-2, -1) outside
  EXPECT_FLOAT_EQ(at("border"), 2.f);       // x clamped to 0: (1 + 3) / 2
  EXPECT_FLOAT_EQ(at("reflection"), 2.5f);  // x reflected about -0.5 to 0.5: mean of all four
  EXPECT_FLOAT_EQ(at("border", 20, "linear"), 2.f);
  EXPECT_FLOAT_EQ(at("border", 20, "nearest"), 1.f);  // (0, round(0.5) = 0)
}

TEST(VisionOps, GridSampleNearestRoundsHalfToEven) {
  Tensor x = f32({1, 1, 1, 4}, {10, 20, 30, 40});
  // align_corners 0: x = ((g + 1) * 4 - 1) / 2, so g = -0.5 -> 0.5 and g = 0 -> 1.5.
  Tensor grid = f32({1, 1, 2, 2}, {-0.5f, 0, 0, 0});
  Tensor y = run_ref("GridSample", 16, {{x}, {grid}}, {{"mode", S("nearest")}});
  EXPECT_EQ(values_of<float>(y), (F{10, 30}));
}

TEST(VisionOps, GridSampleVolumetricAndCubic) {
  // Opset 20 takes 5-D input; the centre of a 2x2x2 volume is the mean of its corners.
  Tensor x = f32({1, 1, 2, 2, 2}, {0, 1, 2, 3, 4, 5, 6, 7});
  Tensor grid = f32({1, 1, 1, 1, 3}, {0, 0, 0});
  expect_near_all(run_ref("GridSample", 20, {{x}, {grid}}), {3.5f});
  // Cubic: Keys' weights (a = -0.75) at fraction 0.8 are -0.024, 0.2, 0.92, -0.096 over the
  // taps 1..4 of a ramp: 2.752 (this kernel does not reproduce a ramp, a = -0.5 would).
  Tensor ramp = f32({1, 1, 1, 6}, {0, 1, 2, 3, 4, 5});
  Tensor g = f32({1, 1, 1, 2}, {0.1f, 0});  // x = ((1.1) * 6 - 1) / 2 = 2.8
  expect_near_all(run_ref("GridSample", 20, {{ramp}, {g}}, {{"mode", S("cubic")}, {"padding_mode", S("border")}}),
                  {2.752f}, 1e-5f);
  // Cubic border: a point just outside the image still sees the interior (only the taps are
  // clamped): x = -0.8 -> taps -2..1 read 0, 0, 0, 1 with weights w(1.2), w(0.2), w(0.8), w(1.8).
  const float gx = (2 * -0.8f + 1) / 6 - 1;  // inverts x = ((g + 1) * 6 - 1) / 2
  Tensor near_edge = f32({1, 1, 1, 2}, {gx, 0});
  expect_near_all(
      run_ref("GridSample", 20, {{ramp}, {near_edge}}, {{"mode", S("cubic")}, {"padding_mode", S("border")}}),
      {-0.024f}, 1e-5f);
}

TEST(VisionOps, GridSampleNonFiniteCoordinates) {
  Tensor x = f32({1, 1, 2, 2}, {1, 2, 3, 4});
  Tensor grid = f32({1, 1, 3, 2}, {NAN, 0, INFINITY, 0, 1e30f, 0});
  // NaN samples nothing; in border mode infinity and a huge x are the right edge, (2 + 4) / 2.
  for (const char* mode : {"linear", "nearest", "cubic"}) {
    const F got =
        values_of<float>(run_ref("GridSample", 20, {{x}, {grid}}, {{"padding_mode", S("border")}, {"mode", S(mode)}}));
    EXPECT_EQ(got[0], 0.f) << mode;
    EXPECT_EQ(got[1], std::string(mode) == "nearest" ? 2.f : 3.f) << mode;  // nearest: y = 0.5 rounds to row 0
    EXPECT_EQ(got[2], got[1]) << mode;
  }
  EXPECT_EQ(values_of<float>(run_ref("GridSample", 20, {{x}, {grid}})), (F{0, 0, 0}));
  const F reflected = values_of<float>(run_ref("GridSample", 20, {{x}, {grid}}, {{"padding_mode", S("reflection")}}));
  EXPECT_EQ(reflected[0], 0.f);
  EXPECT_EQ(reflected[1], 0.f);
  EXPECT_TRUE(reflected[2] >= 1 && reflected[2] <= 4) << reflected[2];  // folded inside the image
}

TEST(VisionOps, GridSampleErrors) {
  Tensor x = f32({1, 1, 2, 2}, {1, 2, 3, 4});
  Tensor grid = f32({1, 1, 1, 2}, {0, 0});
  EXPECT_TRUE(contains(infer_error("GridSample", 20, {{x}, {grid}}, {{"mode", S("bilinear")}}),
                       "'mode' must be 'linear', 'nearest' or 'cubic'"));
  EXPECT_TRUE(contains(infer_error("GridSample", 16, {{x}, {grid}}, {{"mode", S("linear")}}),
                       "'mode' must be 'bilinear', 'nearest' or 'bicubic'"));
  EXPECT_TRUE(contains(infer_error("GridSample", 16, {{x}, {grid}}, {{"padding_mode", S("wrap")}}), "'padding_mode'"));
  EXPECT_TRUE(contains(infer_error("GridSample", 16, {{x}, {f32({1, 1, 1, 3}, F(3, 0))}}), "'grid' must be"));
  EXPECT_TRUE(
      contains(infer_error("GridSample", 16, {{f32({1, 1, 2, 2, 2}, F(8, 0))}, {f32({1, 1, 1, 1, 3}, F(3, 0))}}),
               "[N, C, H, W]"));
  EXPECT_TRUE(contains(infer_error("GridSample", 16, {{x}, {grid}}, {{"align_corners", int64_t{3}}}), "align_corners"));
}

TEST(VisionOps, AffineGrid) {
  // Identity transform of a 2x2 image: pixel centres at +-0.5 (align_corners 0), +-1 with it.
  Tensor theta = f32({1, 2, 3}, {1, 0, 0, 0, 1, 0});
  Tensor size = i64({4}, {1, 3, 2, 2});
  Tensor g = run_ref("AffineGrid", 20, {{theta}, {size}});
  EXPECT_EQ(g.shape(), (Shape{1, 2, 2, 2}));
  expect_near_all(g, {-0.5f, -0.5f, 0.5f, -0.5f, -0.5f, 0.5f, 0.5f, 0.5f});
  expect_near_all(run_ref("AffineGrid", 20, {{theta}, {size}}, {{"align_corners", int64_t{1}}}),
                  {-1, -1, 1, -1, -1, 1, 1, 1});
  // A translation by (0.25, -1) moves every point.
  Tensor shift = f32({1, 2, 3}, {1, 0, 0.25f, 0, 1, -1});
  expect_near_all(run_ref("AffineGrid", 20, {{shift}, {i64({4}, {1, 1, 1, 1})}}), {0.25f, -1});
  EXPECT_TRUE(
      contains(infer_error("AffineGrid", 20, {{theta}, {i64({5}, {1, 1, 2, 2, 2})}}), "'theta' must be [1, 3, 4]"));
  EXPECT_TRUE(deferred("AffineGrid", 20, {{theta}, unknown(size)}));
}

// ---- MaxUnpool, Col2Im ----

TEST(VisionOps, MaxUnpoolIndicesAddressTheUnpooledShape) {
  // 2x2 pooled values back into a 4x4 unpooled image, placed at the start of a 5x5 output_shape.
  Tensor x = f32({1, 1, 2, 2}, {5, 6, 7, 8});
  Tensor idx = i64({1, 1, 2, 2}, {5, 7, 13, 15});
  const AttrList attrs = {{"kernel_shape", V{2, 2}}, {"strides", V{2, 2}}};
  Tensor plain = run_ref("MaxUnpool", 11, {{x}, {idx}}, attrs);
  EXPECT_EQ(plain.shape(), (Shape{1, 1, 4, 4}));
  EXPECT_EQ(values_of<float>(plain), (F{0, 0, 0, 0, 0, 5, 0, 6, 0, 0, 0, 0, 0, 7, 0, 8}));
  Tensor big = run_ref("MaxUnpool", 11, {{x}, {idx}, {i64({4}, {1, 1, 5, 5})}}, attrs);
  EXPECT_EQ(values_of<float>(big)[6], 5.f);   // (1, 1)
  EXPECT_EQ(values_of<float>(big)[18], 8.f);  // (3, 3)
  EXPECT_TRUE(contains(infer_error("MaxUnpool", 11, {{x}, {idx}, {i64({4}, {1, 1, 3, 3})}}, attrs),
                       "cannot hold the unpooled shape"));
  EXPECT_TRUE(contains(infer_error("MaxUnpool", 11, {{x}, {idx}}), "'kernel_shape' is missing"));
  EXPECT_TRUE(contains(infer_error("MaxUnpool", 11, {{x}, {i64({1, 1, 4}, V(4, 0))}}, attrs), "must have X's shape"));
}

TEST(VisionOps, Col2ImSumsOverlappingBlocks) {
  // One channel, 1x2 blocks over a 1x3 image, stride 1: two positions overlap at pixel 1.
  Tensor cols = f32({1, 2, 2}, {1, 10, 2, 20});  // rows: block offset; columns: position
  Tensor y = run_ref("Col2Im", 18, {{cols}, {i64({2}, {1, 3})}, {i64({2}, {1, 2})}});
  EXPECT_EQ(y.shape(), (Shape{1, 1, 1, 3}));
  EXPECT_EQ(values_of<float>(y), (F{1, 12, 20}));
  EXPECT_TRUE(contains(infer_error("Col2Im", 18, {{f32({1, 2, 3}, F(6, 0))}, {i64({2}, {1, 3})}, {i64({2}, {1, 2})}}),
                       "input must be [N, C * 2, 2]"));
}

// ---- CenterCropPad, Det, Unique, ReverseSequence, Shrink ----

TEST(VisionOps, CenterCropPadOddDifferences) {
  // Cropping 5 -> 2 drops 1 before and 2 after; padding 2 -> 5 adds 1 before and 2 after.
  Tensor x = f32({5}, {1, 2, 3, 4, 5});
  EXPECT_EQ(values_of<float>(run_ref("CenterCropPad", 18, {{x}, {i64({1}, {2})}})), (F{2, 3}));
  Tensor p = run_ref("CenterCropPad", 18, {{f32({2}, {7, 8})}, {i32({1}, {5})}});
  EXPECT_EQ(values_of<float>(p), (F{0, 7, 8, 0, 0}));
  Tensor hw = run_ref("CenterCropPad", 18, {{f32({2, 3}, {1, 2, 3, 4, 5, 6})}, {i64({1}, {1})}}, {{"axes", V{-1}}});
  EXPECT_EQ(values_of<float>(hw), (F{2, 5}));
  EXPECT_TRUE(contains(infer_error("CenterCropPad", 18, {{x}, {i64({2}, {1, 1})}}), "'shape' has 2 values"));
  EXPECT_TRUE(contains(infer_error("CenterCropPad", 18, {{x}, {i64({1}, {1})}}, {{"axes", V{1}}}), "out of range"));
}

TEST(VisionOps, Det) {
  Tensor x = f32({3, 2, 2}, {1, 2, 3, 4, 2, 0, 0, 3, 1, 2, 2, 4});
  expect_near_all(run_ref("Det", 11, {{x}}), {-2, 6, 0});
  // A 3x3 needing a row swap: det = -1 * (the permuted diagonal's product).
  expect_near_all(run_ref("Det", 11, {{f32({3, 3}, {0, 1, 0, 1, 0, 0, 0, 0, 5})}}), {-5});
  EXPECT_TRUE(contains(infer_error("Det", 11, {{f32({2, 3}, F(6, 0))}}), "square matrices"));
}

TEST(VisionOps, UniqueSortedAndInOrderOfAppearance) {
  Tensor x = f32({6}, {2, 1, 1, 3, 4, 3});
  auto sorted = run_all("Unique", 11, {{x}}, {}, 4);
  EXPECT_EQ(values_of<float>(sorted[0]), (F{1, 2, 3, 4}));
  EXPECT_EQ(values_of<int64_t>(sorted[1]), (V{1, 0, 3, 4}));
  EXPECT_EQ(values_of<int64_t>(sorted[2]), (V{1, 0, 0, 2, 3, 2}));
  EXPECT_EQ(values_of<int64_t>(sorted[3]), (V{2, 1, 2, 1}));
  auto seen = run_all("Unique", 11, {{x}}, {{"sorted", int64_t{0}}}, 4);
  EXPECT_EQ(values_of<float>(seen[0]), (F{2, 1, 3, 4}));
  EXPECT_EQ(values_of<int64_t>(seen[2]), (V{0, 1, 1, 2, 3, 2}));
  // Rows of a matrix (axis 0), compared lexicographically.
  Tensor m = i64({3, 2}, {1, 0, 0, 5, 1, 0});
  auto rows = run_all("Unique", 11, {{m}}, {{"axis", int64_t{0}}}, 4);
  EXPECT_EQ(rows[0].shape(), (Shape{2, 2}));
  EXPECT_EQ(values_of<int64_t>(rows[0]), (V{0, 5, 1, 0}));
  EXPECT_EQ(values_of<int64_t>(rows[3]), (V{1, 2}));
  EXPECT_TRUE(deferred("Unique", 11, {unknown(x)}));
  EXPECT_TRUE(contains(infer_error("Unique", 11, {{x}}, {{"axis", int64_t{1}}}), "out of range"));
}

TEST(VisionOps, ReverseSequence) {
  // time_axis 0, batch_axis 1: x[t][b]; batch 0 reverses 3 steps, batch 1 one (unchanged).
  Tensor x = f32({3, 2}, {0, 10, 1, 11, 2, 12});
  Tensor y = run_ref("ReverseSequence", 10, {{x}, {i64({2}, {3, 1})}});
  EXPECT_EQ(values_of<float>(y), (F{2, 10, 1, 11, 0, 12}));
  // batch_axis 0: rows are batches.
  Tensor z = run_ref("ReverseSequence", 10, {{f32({2, 3}, {0, 1, 2, 3, 4, 5})}, {i64({2}, {2, 0})}},
                     {{"batch_axis", int64_t{0}}, {"time_axis", int64_t{1}}});
  EXPECT_EQ(values_of<float>(z), (F{1, 0, 2, 3, 4, 5}));
  EXPECT_TRUE(contains(infer_error("ReverseSequence", 10, {{x}, {i64({2}, {1, 1})}}, {{"batch_axis", int64_t{0}}}),
                       "0 and 1 in some order"));
  EXPECT_TRUE(
      contains(infer_error("ReverseSequence", 10, {{x}, {i64({3}, {1, 1, 1})}}), "'sequence_lens' must be [2]"));
}

TEST(VisionOps, ShrinkFloatAndInteger) {
  Tensor x = f32({5}, {-2, -0.5f, 0, 0.4f, 3});
  EXPECT_EQ(values_of<float>(run_ref("Shrink", 9, {{x}}, {{"lambd", 0.45f}, {"bias", 0.5f}})),
            (F{-1.5f, 0, 0, 0, 2.5f}));
  Tensor xi = make<int32_t>(DType::I32, {4}, {-5, -1, 1, 5});
  EXPECT_EQ(values_of<int32_t>(run_ref("Shrink", 9, {{xi}}, {{"lambd", 1.5f}, {"bias", 2.f}})),
            (std::vector<int32_t>{-3, 0, 0, 3}));
  // Out of the type's range, integers wrap (as numpy's astype), never undefined behaviour.
  Tensor u = make<uint8_t>(DType::U8, {2}, {1, 255});
  EXPECT_EQ(values_of<uint8_t>(run_ref("Shrink", 9, {{u}}, {{"lambd", 0.5f}, {"bias", 2.f}})),
            (std::vector<uint8_t>{255, 253}));
  // bias -2^31: -5 + bias = -2^31 - 5 wraps to 2^31 - 5, and 5 - bias to -(2^31 - 5).
  EXPECT_EQ(values_of<int32_t>(run_ref("Shrink", 9, {{xi}}, {{"lambd", 1.5f}, {"bias", -2147483648.f}})),
            (std::vector<int32_t>{2147483643, 0, 0, -2147483643}));
  EXPECT_TRUE(contains(infer_error("Shrink", 9, {{x}}, {{"lambd", -1.f}}), "'lambd' must be >= 0"));
  EXPECT_TRUE(contains(infer_error("Shrink", 9, {{boolean({1}, {1})}}), "BOOL"));
}

}  // namespace
}  // namespace layerscope::shape_test
