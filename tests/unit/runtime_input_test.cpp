// Runtime::inference's input handling on tiny models whose output shows exactly what the
// model received: image inputs get layout + BGR + (pixel - mean) / std, other inputs pass
// through untouched, bad tensors and configs are explained.
#include <gtest/gtest.h>

#include "layerscope/runtime.h"
#include "onnx_builder.h"

namespace layerscope {
namespace {

using testing::TempDir;

void expect_error(const Status& st, const std::string& fragment) {
  ASSERT_FALSE(st) << "expected an error containing: " << fragment;
  EXPECT_NE(st.message().find(fragment), std::string::npos) << st.message();
}

// y = Identity(x) for an x of the given ONNX element type and dims: the output is the input
// exactly as the model received it.
std::string identity_model(const TempDir& dir, const std::string& name, int elem_type,
                           const std::vector<int64_t>& dims) {
  onnx::ModelProto m = testing::single_node_model("Identity", dims);
  *m.mutable_graph()->mutable_input(0) = testing::tensor_info("x", elem_type, dims);
  *m.mutable_graph()->mutable_output(0) = testing::tensor_info("y", elem_type, dims);
  return dir.write_model(name, m);
}

Status run_once(const std::string& model, const RuntimeConfig& cfg, const std::vector<Tensor>& in, DataFormat fmt,
                std::vector<Tensor>* out) {
  Runtime rt;
  Status st = rt.config(cfg);
  if (st) st = rt.load(model);
  if (st) st = rt.init_runtime({});
  if (st) st = rt.inference(in, out, fmt);
  return st;
}

// An NHWC uint8 image (1,2,2,3) whose pixel (y,x) channel c holds 10*(2y+x) + c.
Tensor tiny_nhwc() {
  Tensor t(DType::U8, {1, 2, 2, 3});
  for (int p = 0; p < 4; ++p)
    for (int c = 0; c < 3; ++c) t.data_as<uint8_t>()[p * 3 + c] = static_cast<uint8_t>(10 * p + c);
  return t;
}

TEST(RuntimeInput, ImagePixelsAreTransposedSwappedAndNormalised) {
  TempDir dir;
  const std::string model = identity_model(dir, "nchw.onnx", onnx::TensorProto::FLOAT, {1, 3, 2, 2});
  RuntimeConfig cfg;
  cfg.mean_values = {1, 2, 3};
  cfg.std_values = {2, 4, 8};
  cfg.rgb_to_bgr = true;
  std::vector<Tensor> out;
  Status st = run_once(model, cfg, {tiny_nhwc()}, DataFormat::NHWC, &out);
  ASSERT_TRUE(st) << st.message();
  ASSERT_EQ(out.at(0).shape(), (Shape{1, 3, 2, 2}));
  for (int c = 0; c < 3; ++c)
    for (int p = 0; p < 4; ++p) {
      const float pixel = static_cast<float>(10 * p + (2 - c));  // model channel c = given channel 2-c
      EXPECT_EQ(out[0].data_as<float>()[c * 4 + p], (pixel - cfg.mean_values[c]) / cfg.std_values[c])
          << "channel " << c << " pixel " << p;
    }

  // A float NCHW image into an NHWC model: transposed, no swap, no normalisation configured.
  const std::string nhwc_model = identity_model(dir, "nhwc.onnx", onnx::TensorProto::FLOAT, {1, 2, 2, 3});
  Tensor nchw(DType::F32, {1, 3, 2, 2});
  for (int i = 0; i < 12; ++i) nchw.data_as<float>()[i] = 0.5f * i;
  st = run_once(nhwc_model, {}, {nchw}, DataFormat::NCHW, &out);
  ASSERT_TRUE(st) << st.message();
  ASSERT_EQ(out.at(0).shape(), (Shape{1, 2, 2, 3}));
  for (int c = 0; c < 3; ++c)
    for (int p = 0; p < 4; ++p) EXPECT_EQ(out[0].data_as<float>()[p * 3 + c], 0.5f * (c * 4 + p));
}

TEST(RuntimeInput, NonImageInputsPassThroughUnchanged) {
  TempDir dir;
  // (2,4) is not an image; neither is a 4-D input without a 3-channel dim.
  for (const std::vector<int64_t>& dims : {std::vector<int64_t>{2, 4}, std::vector<int64_t>{1, 4, 2, 2}}) {
    const std::string model = identity_model(dir, "plain.onnx", onnx::TensorProto::FLOAT, dims);
    RuntimeConfig cfg;
    cfg.mean_values = {100, 100, 100};
    cfg.std_values = {7, 7, 7};
    cfg.rgb_to_bgr = true;
    Tensor x(DType::F32, dims);
    for (int64_t i = 0; i < x.numel(); ++i) x.data_as<float>()[i] = static_cast<float>(i) - 3.5f;
    std::vector<Tensor> out;
    Status st = run_once(model, cfg, {x}, DataFormat::NHWC, &out);
    ASSERT_TRUE(st) << st.message();
    ASSERT_EQ(out.at(0).shape(), x.shape());
    for (int64_t i = 0; i < x.numel(); ++i) EXPECT_EQ(out[0].data_as<float>()[i], x.data_as<float>()[i]);
  }
}

TEST(RuntimeInput, Uint8ModelInputGetsThePixelsAndRefusesMeanStd) {
  TempDir dir;
  const std::string model = identity_model(dir, "u8.onnx", onnx::TensorProto::UINT8, {1, 3, 2, 2});
  RuntimeConfig bgr;
  bgr.rgb_to_bgr = true;
  std::vector<Tensor> out;
  Status st = run_once(model, bgr, {tiny_nhwc()}, DataFormat::NHWC, &out);
  ASSERT_TRUE(st) << st.message();
  ASSERT_EQ(out.at(0).dtype(), DType::U8);
  for (int c = 0; c < 3; ++c)
    for (int p = 0; p < 4; ++p) EXPECT_EQ(out[0].data_as<uint8_t>()[c * 4 + p], 10 * p + (2 - c));

  RuntimeConfig normalise;
  normalise.mean_values = {1, 2, 3};
  expect_error(run_once(model, normalise, {tiny_nhwc()}, DataFormat::NHWC, &out),
               "is UINT8: mean_values cannot be applied to it");
  expect_error(run_once(model, {}, {Tensor(DType::F32, {1, 2, 2, 3})}, DataFormat::NHWC, &out),
               "is UINT8 and takes uint8 images");
}

TEST(RuntimeInput, BadTensorsAreExplained) {
  TempDir dir;
  const std::string model = identity_model(dir, "img.onnx", onnx::TensorProto::FLOAT, {1, 3, 4, 6});
  std::vector<Tensor> out;
  expect_error(run_once(model, {}, {}, DataFormat::NHWC, &out),
               "inference(): the model has 1 input(s) (x FLOAT (1,3,4,6)), got 0 tensor(s)");
  expect_error(run_once(model, {}, {Tensor(DType::I64, {1, 4, 6, 3})}, DataFormat::NHWC, &out),
               "takes uint8 or float32 images laid out as NHWC (1,4,6,3); got INT64 (1,4,6,3)");
  expect_error(run_once(model, {}, {Tensor(DType::U8, {1, 3, 4, 6})}, DataFormat::NHWC, &out),
               "got UINT8 (1,3,4,6) (is the data_format right?)");
  expect_error(run_once(model, {}, {Tensor(DType::U8, {1, 5, 7, 3})}, DataFormat::NHWC, &out),
               "input #0 'x' (an image input, FLOAT (1,3,4,6)) takes uint8 or float32 images laid out as NHWC");
  expect_error(run_once(model, {}, {Tensor(DType::U8, {4, 6, 3})}, DataFormat::NHWC, &out), "got UINT8 (4,6,3)");
}

TEST(RuntimeInput, ConfigIsValidated) {
  Runtime rt;
  RuntimeConfig c;
  c.mean_values = {1, 2};
  expect_error(rt.config(c), "config(): mean_values needs 3 values (one per channel) or none, got 2");
  c.mean_values = {};
  c.std_values = {1, 0, 1};
  expect_error(rt.config(c), "std_values must be finite and non-zero");
  c.std_values = {};
  c.input_format = DataFormat::AsConfigured;
  expect_error(rt.config(c), "input_format must be DataFormat::NCHW or DataFormat::NHWC");
  c.input_format = DataFormat::NHWC;
  EXPECT_TRUE(rt.config(c));
}

}  // namespace
}  // namespace layerscope
