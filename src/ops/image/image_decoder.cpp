// ImageDecoder (20): a 1-D uint8 tensor holding an encoded image (JPEG, PNG, BMP, PNM) ->
// its pixels as uint8 (H, W, 3) in RGB or BGR order, or (H, W, 1) grey (attribute
// pixel_format: "RGB" (default), "BGR", "Grayscale"). The decoders are image/'s, shared with
// load_jpeg; how each format and conversion is read is documented there and in docs/ops.md.
//
// The output's shape is the image's size, known only by decoding: the node reads its input's
// value to infer (value_inputs) and states its output whole, so a run decodes once, and a
// constant stream is decoded once at plan time. TIFF, WebP, JPEG 2000 and GIF streams, and
// corrupt, truncated or oversized ones (over kMaxImagePixels) are errors naming the node, the
// format found and what was wrong; ONNX's "returns an empty matrix" would hand a model an
// empty image it cannot tell from a decoded one (docs/ops.md, "Images").
#include <cstring>

#include "image/image_decode.h"
#include "layerscope/image.h"
#include "layerscope/printable.h"
#include "ops/op_registry.h"

namespace layerscope {

namespace {

PixelFormat pixel_format(const Node& n) {
  const std::string f = n.attrs.get_string("pixel_format", "RGB");
  if (f == "RGB") return PixelFormat::Rgb;
  if (f == "BGR") return PixelFormat::Bgr;
  if (f == "Grayscale") return PixelFormat::Grayscale;
  fail(Graph::describe(n), ": attribute 'pixel_format' is '", printable(f), "'; expected 'RGB', 'BGR' or 'Grayscale'");
}

Tensor decode(const Node& n, const Tensor& encoded) {
  const std::span<const uint8_t> bytes(encoded.data_as<uint8_t>(), static_cast<size_t>(encoded.numel()));
  DecodedImage img = decode_image(bytes, pixel_format(n), kMaxImagePixels);
  if (!img.ok())
    fail(Graph::describe(n), ": cannot decode its encoded stream (", bytes.size(), " bytes): ", describe_failure(img));
  return std::move(img.pixels);
}

OpDef image_decoder_def() {
  OpDef d;
  d.op_type = "ImageDecoder";
  d.since = 20;
  d.value_inputs = {0};  // the image's size is the output's shape
  d.attributes = {{"pixel_format", AttrType::STRING}};
  d.infer = [](InferContext& c) {
    c.expect_inputs(1, 1);
    c.expect_dtype_in(0, {DType::U8});
    if (c.rank(0) != 1) c.error("'encoded_stream' must be 1-D, got shape ", shape_to_string(c.shape(0)));
    c.set_output_value(0, decode(c.node(), c.value(0)));
  };
  d.reference = [](const Node& n, std::span<const Tensor* const> in, std::span<Tensor* const> out) {
    const Tensor img = decode(n, *in[0]);
    std::memcpy(out[0]->data(), img.data(), img.nbytes());
  };
  return d;
}

}  // namespace

void register_image_ops(OpRegistry& r) { r.add_op(image_decoder_def()); }

}  // namespace layerscope
