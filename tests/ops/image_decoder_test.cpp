// ImageDecoder (20): shape inference states the decoded image (its size is the output's shape),
// the pixel formats, the errors naming node, op and format, and whole models whose stream is a
// graph input (decoded per run) or a constant (decoded once at plan time). The decoders
// themselves: tests/unit/image_decode_test.cpp; Pillow's decoding: ctest image_decoder_pil.
#include "common/image_samples.h"
#include "layerscope/session.h"
#include "shape_test_util.h"
#include "unit/onnx_builder.h"

namespace layerscope::shape_test {
namespace {

using testing::Bytes;
using testing::Pixels;

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

Tensor stream(const Bytes& b) {
  Tensor t(DType::U8, {static_cast<int64_t>(b.size())});
  if (!b.empty()) std::memcpy(t.data(), b.data(), b.size());
  return t;
}

AttrList format(const std::string& f) { return {{"pixel_format", f}}; }

TEST(ImageDecoderOp, RegisteredFromOpset20) {
  EXPECT_EQ(Registry::builtin().find_op("", "ImageDecoder", 19), nullptr);
  for (int v = 20; v <= 21; ++v) EXPECT_NE(Registry::builtin().find_op("", "ImageDecoder", v), nullptr) << v;
}

TEST(ImageDecoderOp, InferenceStatesTheDecodedImage) {
  const Pixels p = testing::pattern(5, 3, 3);
  const Tensor png = stream(testing::encode_png(p));
  // Unknown stream: the output's shape waits for run time.
  EXPECT_TRUE(deferred("ImageDecoder", 20, {unknown(png)}));
  // Known: the image, stated whole (so the planner folds a constant stream).
  const Node n = make_node("ImageDecoder", 20, {{png}}, 1, {});
  std::vector<TensorInfo> in = {TensorInfo{DType::U8, png.shape()}};
  InferContext ctx = infer_context(op_def_for(n), n, in, {&png});
  op_def_for(n).infer(ctx);
  ASSERT_EQ(ctx.output_values().size(), 1u);
  EXPECT_EQ(ctx.outputs()[0].shape, (Shape{3, 5, 3}));
  EXPECT_EQ(values_of<uint8_t>(ctx.output_values()[0]), p.data);
}

TEST(ImageDecoderOp, PixelFormatsOfTheReferenceKernel) {
  const Pixels p = testing::pattern(4, 2, 3);
  const Tensor bmp = stream(testing::encode_bmp(p));
  EXPECT_EQ(values_of<uint8_t>(run_ref("ImageDecoder", 20, {{bmp}})), p.data);  // RGB by default
  EXPECT_EQ(values_of<uint8_t>(run_ref("ImageDecoder", 20, {{bmp}}, format("RGB"))), p.data);
  const Tensor bgr = run_ref("ImageDecoder", 20, {{bmp}}, format("BGR"));
  EXPECT_EQ(bgr.shape(), (Shape{2, 4, 3}));
  for (int i = 0; i < 8; ++i)
    for (int c = 0; c < 3; ++c) EXPECT_EQ(bgr.data_as<uint8_t>()[3 * i + c], p.data[3 * i + 2 - c]) << i;
  const Tensor grey = run_ref("ImageDecoder", 20, {{bmp}}, format("Grayscale"));
  EXPECT_EQ(grey.shape(), (Shape{2, 4, 1}));
  // Pillow's 'L' of (R, G, B) = (x * 37 + y * 11 + c * 85) at x = y = 0: (0, 85, 170) -> 69.
  EXPECT_EQ(grey.data_as<uint8_t>()[0], 69);
}

TEST(ImageDecoderOp, ErrorsNameTheNodeTheOpAndWhatIsWrong) {
  const Tensor png = stream(testing::encode_png(testing::pattern(4, 2, 3)));
  std::string m = infer_error("ImageDecoder", 20, {{png}}, format("RGBA"));
  EXPECT_TRUE(contains(m, "'ImageDecoder' node")) << m;
  EXPECT_TRUE(contains(m, "attribute 'pixel_format' is 'RGBA'; expected 'RGB', 'BGR' or 'Grayscale'")) << m;
  m = infer_error("ImageDecoder", 20, {{f32({2}, {1, 2})}});
  EXPECT_TRUE(contains(m, "FLOAT")) << m;
  m = infer_error("ImageDecoder", 20, {{stream(Bytes(4, 0)).reshaped({2, 2})}});
  EXPECT_TRUE(contains(m, "'encoded_stream' must be 1-D, got shape (2,2)")) << m;
  // Unsupported formats: the node, the op, the format found and the formats decoded.
  const Bytes tiff = {'I', 'I', '*', 0, 8, 0, 0, 0, 0, 0};
  m = infer_error("ImageDecoder", 20, {{stream(tiff)}});
  EXPECT_TRUE(contains(m,
                       "'ImageDecoder' node 'n' (opset 20): cannot decode its encoded stream (10 bytes): it is a "
                       "TIFF image; layerscope decodes JPEG, PNG, BMP and PNM (PBM/PGM/PPM), not TIFF, WebP, "
                       "JPEG 2000 or GIF"))
      << m;
  const Bytes webp = testing::bytes_of(std::string("RIFF\x20\x02\0\0WEBPVP8 ", 16));
  EXPECT_TRUE(contains(infer_error("ImageDecoder", 20, {{stream(webp)}}), "it is a WebP image"));
  // A truncated stream of each decoded format.
  const Pixels p = testing::pattern(6, 4, 3);
  for (const auto& [name, bytes] : std::vector<std::pair<std::string, Bytes>>{{"JPEG", testing::encode_jpeg(p)},
                                                                              {"PNG", testing::encode_png(p)},
                                                                              {"BMP", testing::encode_bmp(p)},
                                                                              {"PNM", testing::encode_pnm(p)}}) {
    const Bytes cut(bytes.begin(), bytes.begin() + bytes.size() * 3 / 4);
    m = infer_error("ImageDecoder", 20, {{stream(cut)}});
    EXPECT_TRUE(contains(m, "'ImageDecoder' node 'n' (opset 20): cannot decode its encoded stream")) << m;
    EXPECT_TRUE(contains(m, "corrupt or truncated " + name + " data")) << m;
  }
  m = infer_error("ImageDecoder", 20, {{stream({})}});
  EXPECT_TRUE(contains(m, "the encoded stream is empty")) << m;
}

// One ImageDecoder node; its stream is the graph input "encoded", or (constant) an initializer.
onnx::ModelProto decoder_model(const std::string& pixel_format, const Bytes* constant = nullptr) {
  onnx::NodeProto n = testing::node("ImageDecoder", {"encoded"}, {"image"}, "decode");
  auto* a = n.add_attribute();
  a->set_name("pixel_format");
  a->set_type(onnx::AttributeProto::STRING);
  a->set_s(pixel_format);
  std::vector<onnx::ValueInfoProto> inputs;
  if (!constant) inputs.push_back(testing::tensor_info("encoded", onnx::TensorProto::UINT8, {-1}));
  onnx::ModelProto m = testing::model(
      testing::graph("g", {n}, inputs, {testing::tensor_info("image", onnx::TensorProto::UINT8, {-1, -1, -1})}), 20);
  if (constant) {
    auto* init = m.mutable_graph()->add_initializer();
    init->set_name("encoded");
    init->set_data_type(onnx::TensorProto::UINT8);
    init->add_dims(static_cast<int64_t>(constant->size()));
    init->set_raw_data(std::string(constant->begin(), constant->end()));
  }
  return m;
}

TEST(ImageDecoderOp, ModelsDecodePerRunOrOnceAtPlanTime) {
  testing::TempDir dir;
  const Pixels a = testing::pattern(5, 3, 3), b = testing::pattern(2, 7, 3);
  std::unique_ptr<Session> session;
  ASSERT_TRUE(Session::load(dir.write_model("input.onnx", decoder_model("BGR")), {}, &session));
  // Two runs of different sizes: the output takes each image's shape.
  for (const Pixels* p : {&a, &b}) {
    std::vector<NamedTensor> out;
    const Status st = session->run({{"encoded", stream(testing::encode_png(*p))}}, &out);
    ASSERT_TRUE(st) << st.message();
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].tensor.shape(), (Shape{p->height, p->width, 3}));
    EXPECT_EQ(out[0].tensor.data_as<uint8_t>()[0], p->data[2]);  // B first
  }
  // A bad stream is an error of the run, naming the node and the format.
  std::vector<NamedTensor> out;
  Status st = session->run({{"encoded", stream({'G', 'I', 'F', '8', '9', 'a', 0, 0})}}, &out);
  ASSERT_FALSE(st);
  EXPECT_TRUE(contains(st.message(), "'ImageDecoder' node 'decode'")) << st.message();
  EXPECT_TRUE(contains(st.message(), "it is a GIF image")) << st.message();

  // A constant stream is decoded while planning; the model's output is then known.
  const Bytes pnm = testing::encode_pnm(a);
  ASSERT_TRUE(Session::load(dir.write_model("const.onnx", decoder_model("Grayscale", &pnm)), {}, &session));
  st = session->run({}, &out);
  ASSERT_TRUE(st) << st.message();
  EXPECT_EQ(out[0].tensor.shape(), (Shape{3, 5, 1}));
  // ... so a constant that does not decode fails the load.
  const Bytes cut(pnm.begin(), pnm.begin() + 20);
  st = Session::load(dir.write_model("bad.onnx", decoder_model("RGB", &cut)), {}, &session);
  ASSERT_FALSE(st);
  EXPECT_TRUE(contains(st.message(), "'ImageDecoder' node 'decode'")) << st.message();
  EXPECT_TRUE(contains(st.message(), "corrupt or truncated PNM data")) << st.message();
}

}  // namespace
}  // namespace layerscope::shape_test
