#include "image/image_decode.h"

#include <cstring>

#include "image/decoders.h"
#include "layerscope/printable.h"

namespace layerscope {

namespace {

bool starts_with(std::span<const uint8_t> bytes, const char* magic, size_t n, size_t at = 0) {
  return bytes.size() >= at + n && std::memcmp(bytes.data() + at, magic, n) == 0;
}

bool is_space(uint8_t c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

// "ff d8 00 ..." of the first few bytes, for a stream no format claims.
std::string hex_head(std::span<const uint8_t> bytes) {
  constexpr size_t kShown = 8;
  static const char* digits = "0123456789abcdef";
  std::string s;
  for (size_t i = 0; i < std::min(bytes.size(), kShown); ++i) {
    if (i) s += ' ';
    s += digits[bytes[i] >> 4];
    s += digits[bytes[i] & 15];
  }
  if (bytes.size() > kShown) s += " ...";
  return s;
}

std::string megapixels(uint64_t pixels) { return std::to_string(pixels / 1000000); }

}  // namespace

ImageFormat detect_image_format(std::span<const uint8_t> b) {
  if (starts_with(b, "\xff\xd8\xff", 3)) return ImageFormat::Jpeg;
  if (starts_with(b, "\x89PNG\r\n\x1a\n", 8)) return ImageFormat::Png;
  if (starts_with(b, "BM", 2)) return ImageFormat::Bmp;
  // P1..P6 (bitmap, greymap, pixmap; plain then raw), then whitespace or a comment.
  if (b.size() >= 3 && b[0] == 'P' && b[1] >= '1' && b[1] <= '6' && (is_space(b[2]) || b[2] == '#'))
    return ImageFormat::Pnm;
  // Little- and big-endian TIFF, and BigTIFF.
  if (starts_with(b, "II*\0", 4) || starts_with(b, "MM\0*", 4) || starts_with(b, "II+\0", 4) ||
      starts_with(b, "MM\0+", 4))
    return ImageFormat::Tiff;
  if (starts_with(b, "RIFF", 4) && starts_with(b, "WEBP", 4, 8)) return ImageFormat::WebP;
  // The JP2 signature box, or a bare JPEG 2000 codestream (SOC then SIZ).
  if (starts_with(b, "\0\0\0\x0cjP  \r\n\x87\n", 12) || starts_with(b, "\xff\x4f\xff\x51", 4))
    return ImageFormat::Jpeg2000;
  if (starts_with(b, "GIF87a", 6) || starts_with(b, "GIF89a", 6)) return ImageFormat::Gif;
  return ImageFormat::Unknown;
}

const char* image_format_name(ImageFormat f) {
  switch (f) {
    case ImageFormat::Jpeg: return "JPEG";
    case ImageFormat::Png: return "PNG";
    case ImageFormat::Bmp: return "BMP";
    case ImageFormat::Pnm: return "PNM";
    case ImageFormat::Tiff: return "TIFF";
    case ImageFormat::WebP: return "WebP";
    case ImageFormat::Jpeg2000: return "JPEG 2000";
    case ImageFormat::Gif: return "GIF";
    case ImageFormat::Unknown: break;
  }
  return "unknown";
}

bool image_format_decodable(ImageFormat f) {
  return f == ImageFormat::Jpeg || f == ImageFormat::Png || f == ImageFormat::Bmp || f == ImageFormat::Pnm;
}

DecodedImage decode_failure(ImageFormat format, DecodeOutcome outcome, std::string detail) {
  DecodedImage d;
  d.format = format;
  d.outcome = outcome;
  d.detail = std::move(detail);
  return d;
}

DecodedImage check_image_size(ImageFormat format, uint64_t width, uint64_t height, uint64_t max_pixels) {
  DecodedImage d;
  d.format = format;
  // Both come from headers of at most 32 bits per dimension: the product fits 64 bits.
  d.width = static_cast<uint32_t>(std::min<uint64_t>(width, UINT32_MAX));
  d.height = static_cast<uint32_t>(std::min<uint64_t>(height, UINT32_MAX));
  d.max_pixels = max_pixels;
  if (width * height > max_pixels) d.outcome = DecodeOutcome::TooLarge;
  return d;
}

Tensor to_pixel_format(Tensor native, PixelFormat pixels) {
  const int64_t h = native.dim(0), w = native.dim(1), n = h * w;
  const uint8_t* src = native.data_as<uint8_t>();
  if (native.dim(2) == 1) {
    if (pixels == PixelFormat::Grayscale) return native;
    Tensor rgb(DType::U8, {h, w, 3});
    uint8_t* dst = rgb.data_as<uint8_t>();
    for (int64_t i = 0; i < n; ++i) dst[3 * i] = dst[3 * i + 1] = dst[3 * i + 2] = src[i];
    return rgb;
  }
  if (pixels == PixelFormat::Rgb) return native;
  if (pixels == PixelFormat::Bgr) {
    uint8_t* p = native.data_as<uint8_t>();
    for (int64_t i = 0; i < n; ++i) std::swap(p[3 * i], p[3 * i + 2]);
    return native;
  }
  Tensor grey(DType::U8, {h, w, 1});
  uint8_t* dst = grey.data_as<uint8_t>();
  for (int64_t i = 0; i < n; ++i) dst[i] = luma(src[3 * i], src[3 * i + 1], src[3 * i + 2]);
  return grey;
}

DecodedImage decode_image(std::span<const uint8_t> encoded, PixelFormat pixels, uint64_t max_pixels) {
  const ImageFormat format = detect_image_format(encoded);
  DecodedImage d;
  switch (format) {
    case ImageFormat::Jpeg: d = decode_jpeg(encoded, max_pixels); break;
    case ImageFormat::Png: d = decode_png(encoded, max_pixels); break;
    case ImageFormat::Bmp: d = decode_bmp(encoded, max_pixels); break;
    case ImageFormat::Pnm: d = decode_pnm(encoded, max_pixels); break;
    default:
      d = decode_failure(format, DecodeOutcome::NotAnImage,
                         format == ImageFormat::Unknown && !encoded.empty() ? hex_head(encoded) : "");
  }
  d.stream_bytes = encoded.size();
  if (d.ok()) d.pixels = to_pixel_format(std::move(d.pixels), pixels);
  return d;
}

std::string describe_failure(const DecodedImage& d) {
  const std::string name = image_format_name(d.format);
  switch (d.outcome) {
    case DecodeOutcome::Ok: return "";
    case DecodeOutcome::NotAnImage: {
      const std::string supported =
          std::string("layerscope decodes ") + kDecodableImageFormats + ", not TIFF, WebP, JPEG 2000 or GIF";
      if (d.format != ImageFormat::Unknown) return "it is a " + name + " image; " + supported;
      if (d.stream_bytes == 0) return "the encoded stream is empty";
      return "its first bytes (" + d.detail + ") are the signature of no image format; " + supported;
    }
    case DecodeOutcome::Unreadable: return "not a readable " + name + " image (" + printable_message(d.detail) + ")";
    case DecodeOutcome::Corrupt:
      return "corrupt or truncated " + name + " data (" + printable_message(d.detail) +
             "); refusing to give a partly made-up image";
    case DecodeOutcome::TooLarge: {
      const uint64_t pixels = uint64_t{d.width} * d.height;
      return "the " + name + " header says " + std::to_string(d.width) + " x " + std::to_string(d.height) +
             " pixels (" + megapixels(pixels) + " megapixels); images over " + megapixels(d.max_pixels) +
             " megapixels are refused (decoding would need " + std::to_string(pixels * 3 >> 20) + " MiB)";
    }
  }
  return "";
}

}  // namespace layerscope
