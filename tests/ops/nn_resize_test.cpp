// Resize / Upsample: coordinate transformation modes, nearest modes, interpolation modes,
// opset differences, the resize_params.h API, and errors. Values hand-computed from the spec.
#include "norm_test_util.h"
#include "ops/nn/resize_params.h"

namespace layerscope {
namespace {

using namespace norm_test;

Attributes resize_attrs(const char* mode, const char* coord) {
  return attrs({{"mode", std::string(mode)}, {"coordinate_transformation_mode", std::string(coord)}});
}

// Resize-13 with scales: X, roi = "", scales.
Tensor by_scales(Tensor x, std::vector<float> scales, Attributes a, int opset = 13) {
  Shape s{static_cast<int64_t>(scales.size())};
  return run("Resize", opset, {x, none(), f32(s, scales)}, std::move(a));
}
Tensor by_sizes(Tensor x, std::vector<int64_t> sizes, Attributes a, int opset = 13) {
  Shape s{static_cast<int64_t>(sizes.size())};
  return run("Resize", opset, {x, none(), none(), i64(s, sizes)}, std::move(a));
}

TEST(Resize, NearestDefaultsHalfPixelRoundPreferFloor) {
  // Source coords (x + 0.5) / 2 - 0.5 = -0.25, 0.25, 0.75, 1.25 -> 0, 0, 1, 1.
  Tensor y = by_scales(f32({1, 1, 2, 2}, {1, 2, 3, 4}), {1, 1, 2, 2}, {});
  EXPECT_EQ(y.shape(), (Shape{1, 1, 4, 4}));
  expect_f32(y, {1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4});
}

TEST(Resize, NearestModes) {
  // asymmetric, scale 4: coords 0, .25, .5, .75, 1, 1.25, 1.5, 1.75.
  Tensor x = f32({2}, {1, 2});
  auto with = [&](const char* nm) {
    Attributes a = resize_attrs("nearest", "asymmetric");
    a.set("nearest_mode", std::string(nm));
    return by_scales(x, {4}, a);
  };
  expect_f32(with("round_prefer_floor"), {1, 1, 1, 2, 2, 2, 2, 2});
  expect_f32(with("round_prefer_ceil"), {1, 1, 2, 2, 2, 2, 2, 2});
  expect_f32(with("floor"), {1, 1, 1, 1, 2, 2, 2, 2});
  expect_f32(with("ceil"), {1, 2, 2, 2, 2, 2, 2, 2});
}

TEST(Resize, LinearCoordinateModes) {
  Tensor x = f32({2}, {1, 2});
  // half_pixel: -0.25 (clamped), 0.25, 0.75, 1.25 (clamped).
  expect_f32(by_scales(x, {2}, resize_attrs("linear", "half_pixel")), {1, 1.25, 1.75, 2});
  // align_corners: x * (2 - 1) / (4 - 1).
  expect_f32(by_scales(x, {2}, resize_attrs("linear", "align_corners")), {1, 4.0 / 3, 5.0 / 3, 2});
  // asymmetric: x / 2.
  expect_f32(by_scales(x, {2}, resize_attrs("linear", "asymmetric")), {1, 1.5, 2, 2});
  // Output length 1: half_pixel samples 0.5 / 0.5 - 0.5 = 0.5; pytorch_half_pixel samples 0.
  expect_f32(by_sizes(x, {1}, resize_attrs("linear", "half_pixel")), {1.5});
  expect_f32(by_sizes(x, {1}, resize_attrs("linear", "pytorch_half_pixel")), {1});
  // tf_half_pixel_for_nn (nearest): (x + 0.5) / 2 = 0.25, 0.75, 1.25, 1.75 -> 0, 1, 1, 2 -> clamp.
  expect_f32(by_scales(x, {2}, resize_attrs("nearest", "tf_half_pixel_for_nn")), {1, 2, 2, 2});
}

TEST(Resize, AlignCornersUsesUnroundedLength) {
  // Scale 0.6 on length 4: 2 outputs, but the divisor is 4 * 0.6 - 1 = 1.4 (as the ONNX
  // reference and its test_resize_downsample_scales_linear_align_corners do).
  expect_f32(by_scales(f32({4}, {1, 2, 3, 4}), {0.6f}, resize_attrs("linear", "align_corners")), {1, 1 + 3 / 1.4},
             1e-5);
}

TEST(Resize, HalfPixelSymmetricOpset19) {
  // Length 4, scale 0.6: 2 outputs of an unrounded 2.4; offset = 2 * (1 - 2 / 2.4) = 1/3.
  // Coords 1/3 + 0.5/0.6 - 0.5 = 2/3 and 1/3 + 1.5/0.6 - 0.5 = 7/3.
  Tensor x = f32({4}, {1, 2, 3, 4});
  expect_f32(by_scales(x, {0.6f}, resize_attrs("linear", "half_pixel_symmetric"), 19), {5.0 / 3, 10.0 / 3}, 1e-5);
  // half_pixel for comparison: 1/3 and 2.
  expect_f32(by_scales(x, {0.6f}, resize_attrs("linear", "half_pixel"), 19), {4.0 / 3, 3}, 1e-5);
  // 2x2 upsampled by (2.3, 2.94) -> 4x5 (ONNX's resize_upsample_scales_linear_half_pixel_symmetric):
  // the rounding offsets shift the samples towards the centre.
  Tensor up = by_scales(f32({1, 1, 2, 2}, {1, 2, 3, 4}), {1, 1, 2.3f, 2.94f},
                        resize_attrs("linear", "half_pixel_symmetric"), 19);
  ASSERT_EQ(up.shape(), (Shape{1, 1, 4, 5}));
  std::vector<float> v = values_of<float>(up);
  expect_f32(f32({5}, std::vector<float>(v.begin(), v.begin() + 5)), {1, 1.159864, 1.5, 1.840136, 2});
  expect_f32(f32({5}, std::vector<float>(v.begin() + 15, v.end())), {3, 3.159864, 3.5, 3.840136, 4});
  // Not valid before 19.
  EXPECT_NE(infer_error("Resize", 18, {x, none(), f32({1}, {0.6f})}, resize_attrs("linear", "half_pixel_symmetric"))
                .find("half_pixel_symmetric"),
            std::string::npos);
}

TEST(Resize, TfCropAndResizeWithExtrapolation) {
  // roi [0.5, 1.5] on length 4, 3 outputs: 0.5 * 3 + x * 1 * 3 / 2 = 1.5, 3, 4.5 (outside).
  Attributes a = resize_attrs("linear", "tf_crop_and_resize");
  a.set("extrapolation_value", 10.0f);
  Tensor y = run("Resize", 13, {f32({4}, {1, 2, 3, 4}), f32({2}, {0.5f, 1.5f}), none(), i64({1}, {3})}, a);
  expect_f32(y, {2.5, 4, 10});
  // Without roi the mode is an error.
  EXPECT_NE(infer_error("Resize", 13, {f32({4}, {1, 2, 3, 4}), none(), none(), i64({1}, {3})}, a).find("roi"),
            std::string::npos);
}

TEST(Resize, CubicReproducesLinearDataInside) {
  // Keys cubic weights sum to 1 and reproduce linear functions: interior samples of
  // x_i = i are exactly the source coordinates (asymmetric, scale 2: x / 2).
  std::vector<float> ramp{0, 1, 2, 3, 4, 5, 6, 7};
  Tensor y = by_scales(f32({8}, ramp), {2}, resize_attrs("cubic", "asymmetric"));
  ASSERT_EQ(y.numel(), 16);
  for (int j = 2; j <= 11; ++j) EXPECT_NEAR(y.data_as<float>()[j], j / 2.0, 1e-5) << j;
  // Integer source coordinates take exactly that pixel (weights 0, 1, 0, 0).
  for (int j = 0; j < 16; j += 2) EXPECT_NEAR(y.data_as<float>()[j], j / 2, 1e-6) << j;
}

TEST(Resize, CubicExcludeOutsideRenormalises) {
  // Coordinate 0.5 (asymmetric, scale 2, output 1) on {1, 2, 4, 8}, A = -0.5: taps -1..2 with
  // weights w(1.5), w(.5), w(.5), w(1.5) = -0.0625, 0.5625, 0.5625, -0.0625.
  Tensor x = f32({4}, {1, 2, 4, 8});
  Attributes a = resize_attrs("cubic", "asymmetric");
  a.set("cubic_coeff_a", -0.5f);
  Tensor y = by_scales(x, {2}, a);
  // tap -1 is clamped to pixel 0: -0.0625 * 1 + 0.5625 * 1 + 0.5625 * 2 - 0.0625 * 4.
  EXPECT_NEAR(y.data_as<float>()[1], -0.0625 + 0.5625 + 1.125 - 0.25, 1e-6);
  a.set("exclude_outside", int64_t{1});
  y = by_scales(x, {2}, a);
  // tap -1 dropped: (0.5625 * 1 + 0.5625 * 2 - 0.0625 * 4) / 1.0625.
  EXPECT_NEAR(y.data_as<float>()[1], (0.5625 + 1.125 - 0.25) / 1.0625, 1e-6);
}

TEST(Resize, AntialiasLinearDownsample) {
  // Scale 0.5: the triangle filter is stretched to radius 2. Output 0 samples 0.5 with
  // normalised weights 1/8, 3/8, 3/8, 1/8 at pixels -1 (clamped), 0, 1, 2.
  Attributes a = resize_attrs("linear", "half_pixel");
  a.set("antialias", int64_t{1});
  expect_f32(by_scales(f32({4}, {1, 2, 3, 4}), {0.5f}, a, 18), {1.625, 3.375});
  // Without antialias: plain linear at 0.5 and 2.5.
  expect_f32(by_scales(f32({4}, {1, 2, 3, 4}), {0.5f}, resize_attrs("linear", "half_pixel"), 18), {1.5, 3.5});
}

TEST(Resize, Antialias2D) {
  // 4x4 ramp, scales 0.6 (ONNX's resize_downsample_scales_*_antialias inputs). Linear by hand:
  // coords 1/3 and 2 with stretched weights {.125, .5, .375} and {.4, 1, .4} / 1.8.
  std::vector<float> ramp(16);
  for (int i = 0; i < 16; ++i) ramp[i] = static_cast<float>(i + 1);
  Tensor x = f32({1, 1, 4, 4}, ramp);
  Attributes a = resize_attrs("linear", "half_pixel");
  a.set("antialias", int64_t{1});
  expect_f32(by_scales(x, {1, 1, 0.6f, 0.6f}, a, 18), {2.875, 4.5, 9.375, 11});
  a.set("mode", std::string("cubic"));
  // Cubic: the expected output of ONNX's test_resize_downsample_scales_cubic_antialias.
  expect_f32(by_scales(x, {1, 1, 0.6f, 0.6f}, a, 18), {2.5180721, 4.2858863, 9.589329, 11.357142});
}

TEST(Resize, Opset18AxesAndKeepAspectRatio) {
  Tensor x = f32({1, 2, 4}, std::vector<float>(8, 1.0f));
  Attributes a = attrs({{"axes", std::vector<int64_t>{1, 2}}});
  EXPECT_EQ(infer("Resize", 18, {x, none(), none(), i64({2}, {4, 4})}, a)[0].shape, (Shape{1, 4, 4}));
  a.set("keep_aspect_ratio_policy", std::string("not_larger"));
  EXPECT_EQ(infer("Resize", 18, {x, none(), none(), i64({2}, {4, 4})}, a)[0].shape, (Shape{1, 2, 4}));
  a.set("keep_aspect_ratio_policy", std::string("not_smaller"));
  EXPECT_EQ(infer("Resize", 18, {x, none(), none(), i64({2}, {4, 4})}, a)[0].shape, (Shape{1, 4, 8}));
  // Negative axes; scales for a subset of axes.
  Attributes b = attrs({{"axes", std::vector<int64_t>{-1}}});
  EXPECT_EQ(infer("Resize", 18, {x, none(), f32({1}, {0.5f})}, b)[0].shape, (Shape{1, 2, 2}));
  EXPECT_NE(infer_error("Resize", 18, {x, none(), f32({2}, {1, 1})}, b).find("expected 1"), std::string::npos);
}

TEST(Resize, Opset10AndUpsampleUseAsymmetricFloorOrCeil) {
  // Resize-10 downsampling by 0.6: coordinate 1 / 0.6 = 1.67 rounds up (legacy rule).
  expect_f32(run("Resize", 10, {f32({4}, {1, 2, 3, 4}), f32({1}, {0.6f})}), {1, 3});
  // Upsample-9, nearest x3: 0, 1/3, 2/3 all floor to 0.
  expect_f32(run("Upsample", 9, {f32({1, 2}, {1, 2}), f32({2}, {1, 3})}), {1, 1, 1, 2, 2, 2});
  // Upsample-7: scales attribute; linear is asymmetric.
  expect_f32(run("Upsample", 7, {f32({2}, {1, 2})},
                 attrs({{"scales", std::vector<float>{2}}, {"mode", std::string("linear")}})),
             {1, 1.5, 2, 2});
  EXPECT_NE(infer_error("Upsample", 9, {f32({2}, {1, 2}), f32({1}, {0.5f})}).find(">= 1"), std::string::npos);
  EXPECT_NE(infer_error("Upsample", 7, {f32({2}, {1, 2})}).find("scales"), std::string::npos);
  EXPECT_NE(infer_error("Resize", 10, {f32({2}, {1, 2}), f32({1}, {2})}, attrs({{"mode", std::string("cubic")}}))
                .find("cubic"),
            std::string::npos);
}

TEST(Resize, NearestWorksForIntegerTypes) {
  Tensor y = by_scales(i64({2}, {int64_t{1} << 60, 7}), {2}, {});
  EXPECT_EQ(values_of<int64_t>(y), (std::vector<int64_t>{int64_t{1} << 60, int64_t{1} << 60, 7, 7}));
  EXPECT_NE(infer_error("Resize", 13, {i32({2}, {1, 2}), none(), f32({1}, {2})}, resize_attrs("linear", "half_pixel"))
                .find("INT32"),
            std::string::npos);
}

TEST(Resize, Errors) {
  Tensor x = f32({2}, {1, 2});
  EXPECT_NE(infer_error("Resize", 13, {x, none(), f32({1}, {2}), i64({1}, {4})}).find("only one"), std::string::npos);
  EXPECT_NE(infer_error("Resize", 13, {x}).find("one of 'scales' and 'sizes'"), std::string::npos);
  EXPECT_NE(infer_error("Resize", 13, {x, none(), f32({1}, {2})}, attrs({{"mode", std::string("area")}}))
                .find("expected one of nearest, linear, cubic"),
            std::string::npos);
  EXPECT_NE(infer_error("Resize", 13, {x, none(), f32({1}, {2})}, attrs({{"nearest_mode", std::string("up")}}))
                .find("nearest_mode"),
            std::string::npos);
  EXPECT_NE(infer_error("Resize", 13, {x, none(), f32({2}, {2, 2})}).find("expected 1"), std::string::npos);
  EXPECT_NE(infer_error("Resize", 13, {x, none(), f32({1}, {-1})}).find("> 0"), std::string::npos);
  EXPECT_NE(infer_error("Resize", 13, {Tensor(DType::F16, {2}), none(), f32({1}, {2})}).find("FLOAT16"),
            std::string::npos);
  EXPECT_NE(
      infer_error("Resize", 18, {x, none(), f32({1}, {2})}, attrs({{"keep_aspect_ratio_policy", std::string("fit")}}))
          .find("keep_aspect_ratio_policy"),
      std::string::npos);
  // Resize-11 requires roi and scales inputs; empty tensors count as omitted.
  EXPECT_NE(infer_error("Resize", 11, {x}).find("expected 3..4 inputs"), std::string::npos);
  EXPECT_EQ(infer("Resize", 11, {x, f32({0}, {}), f32({0}, {}), i64({1}, {3})})[0].shape, (Shape{3}));
}

TEST(Resize, ScalesOutputLengthIsFloorInFloat) {
  // floor(10 * 0.7f): the float product rounds to 7 (a double product would give 6.99...).
  EXPECT_EQ(infer("Resize", 13, {f32({10}, std::vector<float>(10)), none(), f32({1}, {0.7f})})[0].shape, (Shape{7}));
}

TEST(Resize, RuntimeScalesDeferInference) {
  Node n = make_node("Resize", 13, {f32({2}, {1, 2}), none(), f32({1}, {2})}, 1, {});
  std::vector<TensorInfo> infos{{DType::F32, {2}}, {}, {DType::F32, {1}}};
  std::vector<const Tensor*> values{nullptr, nullptr, nullptr};
  EXPECT_TRUE(needs_run_time_values(find("Resize", 13), n, values));
}

TEST(Resize, CostCountsTapsPerOutput) {
  Node n = make_node("Resize", 13, {}, 1, resize_attrs("linear", "half_pixel"));
  std::vector<TensorInfo> in{{DType::F32, {1, 3, 4, 4}}, {}, {DType::F32, {4}}}, out{{DType::F32, {1, 3, 8, 8}}};
  Cost c = find("Resize", 13).cost(CostContext{n, in, out});
  EXPECT_EQ(c.other_ops, 4.0 * 192);  // bilinear: 4 taps per output
  EXPECT_EQ(c.bytes_written, 192 * 4);
}

TEST(ResizeParams, PublicApi) {
  Node n = make_node("Resize", 19, {}, 1, resize_attrs("linear", "align_corners"));
  ResizeAttrs a = parse_resize_attrs(n);
  EXPECT_EQ(a.mode, ResizeMode::Linear);
  EXPECT_EQ(a.coord_mode, ResizeCoordMode::AlignCorners);
  EXPECT_EQ(resize_input_slots(n).sizes, 3);
  Tensor scales = f32({4}, {1, 1, 2, 2});
  ResizeGeometry g = compute_resize_geometry(n, a, {1, 3, 5, 5}, nullptr, &scales, nullptr);
  EXPECT_EQ(g.output_shape, (Shape{1, 3, 10, 10}));
  EXPECT_DOUBLE_EQ(g.scales[2], 2.0);
  EXPECT_DOUBLE_EQ(resize_source_coord(a, g, 2, 9), 4.0);
  EXPECT_EQ(resize_nearest_index(ResizeNearestMode::RoundPreferCeil, 1.5, 2.0, 5), 2);
  EXPECT_EQ(resize_nearest_index(ResizeNearestMode::Floor, -0.7, 2.0, 5), 0);
}

}  // namespace
}  // namespace layerscope
