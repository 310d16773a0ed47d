#include "layerscope/image.h"

#include <jpeglib.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <memory>

#include "layerscope/printable.h"

namespace layerscope {

namespace {

struct JpegError {
  jpeg_error_mgr mgr;
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
  bool corrupt;  // a warning, not an error: libjpeg would go on with made-up data
};

void on_jpeg_error(j_common_ptr cinfo) {
  auto* err = reinterpret_cast<JpegError*>(cinfo->err);
  cinfo->err->format_message(cinfo, err->message);
  std::longjmp(err->jump, 1);
}

// libjpeg reports corrupt or truncated data ("Premature end of JPEG file", "Corrupt JPEG data:
// ...") as warnings (level -1) and fills the gap with grey; a model fed that would give a
// silently wrong answer, so a warning stops the decode like an error. Levels >= 0 are traces.
void on_jpeg_message(j_common_ptr cinfo, int level) {
  if (level >= 0) return;
  auto* err = reinterpret_cast<JpegError*>(cinfo->err);
  cinfo->err->format_message(cinfo, err->message);
  err->corrupt = true;
  std::longjmp(err->jump, 1);
}

enum class Decode { Ok, Failed, Corrupt, TooLarge };

// libjpeg reports errors by longjmp back to this frame: only plain C objects live here, and
// the image goes to *img (a pointer that never changes after setjmp). The header is read
// first, so an image over kMaxImagePixels is refused before anything is allocated.
Decode decode_jpeg(FILE* file, Tensor* img, char* message, uint32_t* width, uint32_t* height) {
  jpeg_decompress_struct cinfo{};
  JpegError err{};
  cinfo.err = jpeg_std_error(&err.mgr);
  err.mgr.error_exit = on_jpeg_error;
  err.mgr.emit_message = on_jpeg_message;
  if (setjmp(err.jump)) {
    jpeg_destroy_decompress(&cinfo);
    std::memcpy(message, err.message, JMSG_LENGTH_MAX);
    return err.corrupt ? Decode::Corrupt : Decode::Failed;
  }
  jpeg_create_decompress(&cinfo);
  jpeg_stdio_src(&cinfo, file);
  jpeg_read_header(&cinfo, TRUE);
  *width = cinfo.image_width;
  *height = cinfo.image_height;
  if (uint64_t{*width} * *height > kMaxImagePixels) {
    jpeg_destroy_decompress(&cinfo);
    return Decode::TooLarge;
  }
  cinfo.out_color_space = JCS_RGB;
  jpeg_start_decompress(&cinfo);
  *img = Tensor(DType::U8, {cinfo.output_height, cinfo.output_width, 3});
  while (cinfo.output_scanline < cinfo.output_height) {
    JSAMPROW row = img->data_as<uint8_t>() + static_cast<size_t>(cinfo.output_scanline) * cinfo.output_width * 3;
    jpeg_read_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_decompress(&cinfo);  // also reads to the end marker: a cut-off tail warns here
  jpeg_destroy_decompress(&cinfo);
  return Decode::Ok;
}

}  // namespace

Status load_jpeg(const std::string& path, Tensor* out) {
  std::unique_ptr<FILE, int (*)(FILE*)> file(std::fopen(path.c_str(), "rb"), std::fclose);
  if (!file) return Status::error("cannot open image '" + path + "': " + std::strerror(errno), StatusCode::kIoError);
  Tensor img;
  char message[JMSG_LENGTH_MAX] = {};
  uint32_t width = 0, height = 0;
  switch (decode_jpeg(file.get(), &img, message, &width, &height)) {
    case Decode::Ok: break;
    case Decode::Failed:
      return Status::error("'" + path + "' is not a readable JPEG image: " + printable_message(message));
    case Decode::Corrupt:
      return Status::error("'" + path + "': corrupt or truncated JPEG data (" + printable_message(message) +
                           "); refusing to feed a partly made-up image");
    case Decode::TooLarge: {
      const uint64_t pixels = uint64_t{width} * height;
      return Status::error("'" + path + "': the JPEG header says " + std::to_string(width) + " x " +
                           std::to_string(height) + " pixels (" + std::to_string(pixels / 1000000) +
                           " megapixels); images over " + std::to_string(kMaxImagePixels / 1000000) +
                           " megapixels are refused (decoding would need " + std::to_string(pixels * 3 >> 20) +
                           " MiB)");
    }
  }
  *out = img;
  return Status::ok();
}

Status preprocess_image(const Tensor& img, const ValueDesc& input, const ImagePreprocess& cfg, Tensor* out) {
  if (img.dtype() != DType::U8 || img.rank() != 3 || img.dim(2) != 3)
    return Status::error("expected an (H, W, 3) uint8 image");
  const auto& s = input.shape;
  if (s.size() != 4 || s[0] > 1)
    return Status::error("input '" + input.name + "' is not a single-image 4-D input; give it as .npy instead");
  bool nchw = s[1] == 3, nhwc = s[3] == 3;
  if (nchw == nhwc)
    return Status::error("cannot tell the layout of input '" + input.name + "' (" + shape_to_string(s) +
                         "): expected (1,3,H,W) or (1,H,W,3)");
  const int64_t H = nchw ? s[2] : s[1], W = nchw ? s[3] : s[2];
  if (H <= 0 || W <= 0) return Status::error("input '" + input.name + "' has symbolic spatial dims; give it as .npy");
  if (input.dtype != DType::F32 && input.dtype != DType::U8)
    return Status::error("input '" + input.name + "' is " + dtype_name(input.dtype) +
                         "; images feed FLOAT or UINT8 inputs");
  if (cfg.mean.size() != 3 || cfg.std.size() != 3) return Status::error("mean and std need 3 values each");
  for (float v : cfg.mean)
    if (!std::isfinite(v)) return Status::error("mean values must be finite numbers");
  for (float v : cfg.std)
    if (!std::isfinite(v) || v == 0.f) return Status::error("std values must be finite and non-zero");

  const int64_t h0 = img.dim(0), w0 = img.dim(1);
  const uint8_t* src = img.data_as<uint8_t>();
  Tensor t(input.dtype, nchw ? Shape{1, 3, H, W} : Shape{1, H, W, 3});
  for (int64_t y = 0; y < H; ++y) {
    // Half-pixel centres: source coordinate of the output pixel's centre.
    float sy = std::max(0.f, (y + 0.5f) * h0 / H - 0.5f);
    int64_t y0 = std::min<int64_t>(static_cast<int64_t>(sy), h0 - 1), y1 = std::min(y0 + 1, h0 - 1);
    float fy = sy - y0;
    for (int64_t x = 0; x < W; ++x) {
      float sx = std::max(0.f, (x + 0.5f) * w0 / W - 0.5f);
      int64_t x0 = std::min<int64_t>(static_cast<int64_t>(sx), w0 - 1), x1 = std::min(x0 + 1, w0 - 1);
      float fx = sx - x0;
      for (int c = 0; c < 3; ++c) {
        int src_c = cfg.rgb_to_bgr ? 2 - c : c;
        auto at = [&](int64_t yy, int64_t xx) { return static_cast<float>(src[(yy * w0 + xx) * 3 + src_c]); };
        float v = (1 - fy) * ((1 - fx) * at(y0, x0) + fx * at(y0, x1)) + fy * ((1 - fx) * at(y1, x0) + fx * at(y1, x1));
        int64_t idx = nchw ? (c * H + y) * W + x : (y * W + x) * 3 + c;
        if (input.dtype == DType::U8) t.data_as<uint8_t>()[idx] = static_cast<uint8_t>(std::lround(v));
        else t.data_as<float>()[idx] = (v - cfg.mean[c]) / cfg.std[c];
      }
    }
  }
  *out = t;
  return Status::ok();
}

}  // namespace layerscope
