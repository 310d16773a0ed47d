// Decoding encoded images (JPEG, PNG, BMP, PNM) into (H, W, C) uint8 pixels: the one decoder
// behind the ImageDecoder op (ops/image/) and load_jpeg (api/image.cpp: `run --image`, datasets).
//
// The format is told by the stream's first bytes, never by a file name. Pixels follow the ONNX
// ImageDecoder spec and its reference implementation (Pillow): RGB or BGR as (H, W, 3), grey as
// (H, W, 1) by ITU-R 601-2 luma rounded as Pillow's 'L' conversion does; a grey, paletted, CMYK or
// alpha image is converted as Pillow's convert('RGB') / convert('L') would (docs/ops.md, "Images").
//
// Bad input is an answer, never a crash: every failure comes back as a Decoded whose outcome
// says which kind, with the decoding library's words in `detail` and describe_failure() for a
// sentence. A header claiming more than `max_pixels` is refused before anything is allocated.
#pragma once
#include <cstdint>
#include <cstdio>
#include <span>
#include <string>

#include "layerscope/tensor.h"

namespace layerscope {

enum class ImageFormat { Unknown, Jpeg, Png, Bmp, Pnm, Tiff, WebP, Jpeg2000, Gif };

// The format the stream's magic bytes announce (Unknown for none we know, or an empty stream).
ImageFormat detect_image_format(std::span<const uint8_t> bytes);
// "JPEG", "PNG", "BMP", "PNM", "TIFF", "WebP", "JPEG 2000", "GIF", "unknown".
const char* image_format_name(ImageFormat f);
// Whether decode_image() decodes the format (JPEG, PNG, BMP, PNM).
bool image_format_decodable(ImageFormat f);

// The output channels (the ImageDecoder attribute pixel_format: "RGB", "BGR", "Grayscale").
enum class PixelFormat { Rgb, Bgr, Grayscale };

enum class DecodeOutcome {
  Ok,
  NotAnImage,  // empty, unrecognised, or a format we do not decode (see `format`; for an
               // unrecognised stream, detail holds its first bytes in hex)
  Unreadable,  // the header is invalid, or a variant of the format we do not decode
  Corrupt,     // the header was fine but the data is corrupt or truncated
  TooLarge,    // the header claims more than max_pixels (width and height say how much)
};

struct DecodedImage {
  DecodeOutcome outcome = DecodeOutcome::Ok;
  ImageFormat format = ImageFormat::Unknown;
  Tensor pixels;                   // Ok: uint8 (H, W, 3) for RGB/BGR, (H, W, 1) for Grayscale
  std::string detail;              // not Ok: what the decoder found, in its words (escaped when printed)
  uint32_t width = 0, height = 0;  // as the header claims (set once it was read)
  uint64_t max_pixels = 0;         // the cap that applied (TooLarge)
  uint64_t stream_bytes = 0;       // the encoded stream's length (0 for a file stream)
  bool ok() const { return outcome == DecodeOutcome::Ok; }
};

// Decodes an encoded image held in memory.
DecodedImage decode_image(std::span<const uint8_t> encoded, PixelFormat pixels, uint64_t max_pixels);
// Decodes a JPEG read from `file` as it streams (load_jpeg); a non-JPEG file is Unreadable with
// libjpeg's words ("Not a JPEG file: starts with 0x68 0x65").
DecodedImage decode_jpeg_file(std::FILE* file, PixelFormat pixels, uint64_t max_pixels);

// A failure as one sentence without a subject, to follow "cannot decode <what>: ":
//   "it is a TIFF image; layerscope decodes JPEG, PNG, BMP and PNM (PBM/PGM/PPM), not TIFF, ..."
//   "not a readable PNG image (IHDR: invalid colour type)"
//   "corrupt or truncated BMP data (the pixel rows end 1536 bytes early)"
//   "the PNG header says 65500 x 65500 pixels (4290 megapixels); images over 100 megapixels ..."
std::string describe_failure(const DecodedImage& d);

// The formats decode_image() decodes, as the messages name them.
inline constexpr const char* kDecodableImageFormats = "JPEG, PNG, BMP and PNM (PBM/PGM/PPM)";

}  // namespace layerscope
