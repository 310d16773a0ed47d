#include "layerscope/image.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

#include "image/image_decode.h"
#include "layerscope/printable.h"

namespace layerscope {

namespace {

using File = std::unique_ptr<FILE, int (*)(FILE*)>;

File open_image(const std::string& path, Status* st) {
  File file(std::fopen(path.c_str(), "rb"), std::fclose);
  if (!file) *st = Status::error("cannot open image '" + path + "': " + std::strerror(errno), StatusCode::kIoError);
  return file;
}

// The JPEG decoder is image/jpeg_decode.cpp's (shared with the ImageDecoder op); it streams
// from `file` (at its start) and refuses a header over kMaxImagePixels before allocating anything.
Status decode_jpeg_from(FILE* file, const std::string& path, Tensor* out) {
  DecodedImage img = decode_jpeg_file(file, PixelFormat::Rgb, kMaxImagePixels);
  switch (img.outcome) {
    case DecodeOutcome::Ok: break;
    case DecodeOutcome::Unreadable:
      return Status::error("'" + path + "' is not a readable JPEG image: " + printable_message(img.detail));
    case DecodeOutcome::Corrupt:
      return Status::error("'" + path + "': corrupt or truncated JPEG data (" + printable_message(img.detail) +
                           "); refusing to feed a partly made-up image");
    case DecodeOutcome::TooLarge:
    case DecodeOutcome::NotAnImage: return Status::error("'" + path + "': " + describe_failure(img));
  }
  *out = std::move(img.pixels);
  return Status::ok();
}

}  // namespace

Status load_jpeg(const std::string& path, Tensor* out) {
  Status st = Status::ok();
  File file = open_image(path, &st);
  return file ? decode_jpeg_from(file.get(), path, out) : st;
}

// Any format decode_image() reads. A JPEG streams from the file (load_jpeg: its header is checked
// before anything is allocated); the other formats are read whole first, so a file larger than
// the largest decodable image could be (kMaxImagePixels at 16 bytes a pixel: 16-bit ASCII PNM
// is the most verbose) is refused before it is read.
Status load_image(const std::string& path, Tensor* out) {
  Status st = Status::ok();
  File file = open_image(path, &st);
  if (!file) return st;
  uint8_t head[16] = {};
  const size_t got = std::fread(head, 1, sizeof head, file.get());
  if (detect_image_format({head, got}) == ImageFormat::Jpeg) {
    std::rewind(file.get());
    return decode_jpeg_from(file.get(), path, out);
  }
  constexpr uint64_t kMaxFileBytes = kMaxImagePixels * 16;
  if (std::fseek(file.get(), 0, SEEK_END) != 0)
    return Status::error("cannot read image '" + path + "': " + std::strerror(errno), StatusCode::kIoError);
  const long size = std::ftell(file.get());
  if (size < 0) return Status::error("cannot read image '" + path + "': " + std::strerror(errno), StatusCode::kIoError);
  if (static_cast<uint64_t>(size) > kMaxFileBytes)
    return Status::error("'" + path + "' is " + std::to_string(size >> 20) +
                         " MiB, larger than any image of at most 100 megapixels can be; not read");
  std::vector<uint8_t> bytes(static_cast<size_t>(size));
  std::rewind(file.get());
  if (std::fread(bytes.data(), 1, bytes.size(), file.get()) != bytes.size())
    return Status::error("cannot read image '" + path + "': short read", StatusCode::kIoError);
  DecodedImage img = decode_image(bytes, PixelFormat::Rgb, kMaxImagePixels);
  if (img.outcome != DecodeOutcome::Ok) return Status::error("'" + path + "': " + describe_failure(img));
  *out = std::move(img.pixels);
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
