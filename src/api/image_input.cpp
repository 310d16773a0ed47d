#include "api/image_input.h"

#include <cmath>
#include <string>

#include "ir/error.h"

namespace layerscope {

namespace {

const char* layout_name(DataFormat f) { return f == DataFormat::NHWC ? "NHWC" : "NCHW"; }

// The model's dims (N, C, H, W or N, H, W, C as the model declares them) shown in the layout
// the caller uses, symbolic dims as '?': "(1,224,308,3)".
std::string expected_shape(const ValueDesc& input, ImageLayout model, DataFormat given) {
  const Shape& s = input.shape;
  const bool nchw = model == ImageLayout::NCHW;
  const int64_t n = s[0], h = nchw ? s[2] : s[1], w = nchw ? s[3] : s[2];
  auto d = [](int64_t v) { return v >= 0 ? std::to_string(v) : std::string("?"); };
  return given == DataFormat::NCHW ? "(" + d(n) + ",3," + d(h) + "," + d(w) + ")"
                                   : "(" + d(n) + "," + d(h) + "," + d(w) + ",3)";
}

// Element offset of (n, c, y, x) in a 3-channel tensor of height H and width W.
inline int64_t offset(bool nchw, int64_t n, int64_t c, int64_t y, int64_t x, int64_t H, int64_t W) {
  return nchw ? ((n * 3 + c) * H + y) * W + x : ((n * H + y) * W + x) * 3 + c;
}

template <typename Src, typename Dst, typename Convert>
void convert(const Tensor& given, bool given_nchw, Tensor& out, bool out_nchw, bool bgr, Convert value) {
  const int64_t N = given.dim(0), H = given_nchw ? given.dim(2) : given.dim(1),
                W = given_nchw ? given.dim(3) : given.dim(2);
  const Src* src = given.data_as<Src>();
  Dst* dst = out.data_as<Dst>();
  for (int64_t n = 0; n < N; ++n)
    for (int64_t c = 0; c < 3; ++c) {
      const int64_t sc = bgr ? 2 - c : c;  // model channel c takes the given channel sc
      for (int64_t y = 0; y < H; ++y)
        for (int64_t x = 0; x < W; ++x)
          dst[offset(out_nchw, n, c, y, x, H, W)] = value(src[offset(given_nchw, n, sc, y, x, H, W)], c);
    }
}

}  // namespace

ImageLayout image_layout(const ValueDesc& input) {
  if (!input.has_shape || input.shape.size() != 4) return ImageLayout::None;
  if (input.dtype != DType::F32 && input.dtype != DType::U8) return ImageLayout::None;
  if (input.shape[1] == 3) return ImageLayout::NCHW;  // ONNX's convention wins when both dims are 3
  if (input.shape[3] == 3) return ImageLayout::NHWC;
  return ImageLayout::None;
}

void check_runtime_config(const RuntimeConfig& c) {
  LS_CHECK(c.mean_values.empty() || c.mean_values.size() == 3,
           "mean_values needs 3 values (one per channel) or none, got ", c.mean_values.size());
  LS_CHECK(c.std_values.empty() || c.std_values.size() == 3,
           "std_values needs 3 values (one per channel) or none, got ", c.std_values.size());
  for (float m : c.mean_values) LS_CHECK(std::isfinite(m), "mean_values must be finite numbers");
  for (float s : c.std_values)
    LS_CHECK(std::isfinite(s) && s != 0.f, "std_values must be finite and non-zero, got ", s);
  LS_CHECK(c.input_format == DataFormat::NCHW || c.input_format == DataFormat::NHWC,
           "input_format must be DataFormat::NCHW or DataFormat::NHWC");
}

Tensor to_model_input(const Tensor& given, const ValueDesc& input, int index, const RuntimeConfig& cfg,
                      DataFormat format) {
  const ImageLayout model = image_layout(input);
  if (model == ImageLayout::None) return given.clone();
  const bool given_nchw = format == DataFormat::NCHW;
  const std::string what = "input #" + std::to_string(index) + " '" + input.name + "' (an image input, " +
                           dtype_name(input.dtype) + " " + shape_to_string(input.shape) + ")";
  const std::string expected = std::string("uint8 or float32 images laid out as ") + layout_name(format) + " " +
                               expected_shape(input, model, format);
  const std::string got = std::string(dtype_name(given.dtype())) + " " + shape_to_string(given.shape());
  LS_CHECK(given.dtype() == DType::U8 || given.dtype() == DType::F32, what, " takes ", expected, "; got ", got);
  LS_CHECK(given.rank() == 4 && given.dim(given_nchw ? 1 : 3) == 3, what, " takes ", expected, "; got ", got,
           given.rank() == 4 && given.dim(given_nchw ? 3 : 1) == 3 ? " (is the data_format right?)" : "");

  const bool out_nchw = model == ImageLayout::NCHW;
  const int64_t N = given.dim(0), H = given.dim(given_nchw ? 2 : 1), W = given.dim(given_nchw ? 3 : 2);
  const Shape out_shape = out_nchw ? Shape{N, 3, H, W} : Shape{N, H, W, 3};
  for (size_t k = 0; k < 4; ++k)
    LS_CHECK(input.shape[k] < 0 || input.shape[k] == out_shape[k], what, " takes ", expected, "; got ", got);

  Tensor out(input.dtype, out_shape);
  if (input.dtype == DType::U8) {
    // uint8 cannot hold (pixel - mean) / std: such models normalise inside the graph.
    LS_CHECK(cfg.mean_values.empty() || (cfg.mean_values == std::vector<float>{0, 0, 0}), what,
             " is UINT8: mean_values cannot be applied to it; leave them empty");
    LS_CHECK(cfg.std_values.empty() || (cfg.std_values == std::vector<float>{1, 1, 1}), what,
             " is UINT8: std_values cannot be applied to it; leave them empty");
    LS_CHECK(given.dtype() == DType::U8, what, " is UINT8 and takes uint8 images; got ", got);
    convert<uint8_t, uint8_t>(given, given_nchw, out, out_nchw, cfg.rgb_to_bgr, [](uint8_t v, int64_t) { return v; });
    return out;
  }
  float mean[3] = {0, 0, 0}, stdev[3] = {1, 1, 1};
  for (int c = 0; c < 3; ++c) {
    if (!cfg.mean_values.empty()) mean[c] = cfg.mean_values[c];
    if (!cfg.std_values.empty()) stdev[c] = cfg.std_values[c];
  }
  auto normalise = [&](float v, int64_t c) { return (v - mean[c]) / stdev[c]; };
  if (given.dtype() == DType::U8)
    convert<uint8_t, float>(given, given_nchw, out, out_nchw, cfg.rgb_to_bgr,
                            [&](uint8_t v, int64_t c) { return normalise(static_cast<float>(v), c); });
  else convert<float, float>(given, given_nchw, out, out_nchw, cfg.rgb_to_bgr, normalise);
  return out;
}

}  // namespace layerscope
