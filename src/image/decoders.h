// Inside image/: the per-format decoders decode_image() dispatches to, and what they share.
// Each returns the image in its own channels, (H, W, 1) grey or (H, W, 3) RGB, which
// to_pixel_format() then turns into what the caller asked for.
#pragma once
#include <span>
#include <string>

#include "image/image_decode.h"

namespace layerscope {

DecodedImage decode_jpeg(std::span<const uint8_t> encoded, uint64_t max_pixels);
DecodedImage decode_png(std::span<const uint8_t> encoded, uint64_t max_pixels);
DecodedImage decode_bmp(std::span<const uint8_t> encoded, uint64_t max_pixels);
DecodedImage decode_pnm(std::span<const uint8_t> encoded, uint64_t max_pixels);

// A failed decode of `format`.
DecodedImage decode_failure(ImageFormat format, DecodeOutcome outcome, std::string detail);
// TooLarge when width x height exceeds max_pixels (refused before any allocation), else Ok
// with width and height set.
DecodedImage check_image_size(ImageFormat format, uint64_t width, uint64_t height, uint64_t max_pixels);

// Pillow's 'L' conversion (ITU-R 601-2 luma in 16-bit fixed point, rounded half up):
// L = (R * 19595 + G * 38470 + B * 7471 + 0x8000) >> 16. The weights are 0.299, 0.587 and
// 0.114 scaled by 65536 and sum to 65536, so a grey pixel (v, v, v) stays v.
inline uint8_t luma(uint8_t r, uint8_t g, uint8_t b) {
  return static_cast<uint8_t>((r * 19595u + g * 38470u + b * 7471u + 0x8000u) >> 16);
}

// An (H, W, 1) grey or (H, W, 3) RGB image as `pixels` asks: grey replicated into three
// channels, RGB reversed into BGR, RGB reduced to luma().
Tensor to_pixel_format(Tensor native, PixelFormat pixels);

}  // namespace layerscope
