// BMP (Windows and OS/2 bitmaps), our own reader: uncompressed rows of 1, 4 or 8-bit palette
// indices, 16-bit (5-5-5, or the masks of BI_BITFIELDS), 24-bit BGR and 32-bit (BGRX, or
// BI_BITFIELDS masks), bottom-up (positive height) or top-down (negative height). RLE and
// embedded JPEG/PNG compression are refused by name.
//
// Layout: a 14-byte file header ("BM", file size, reserved, offset of the pixels), an info
// header whose first 4 bytes give its size (12: OS/2 core, 16-bit width/height; 40 and up:
// Windows, 32-bit width/height, compression, palette size, then in 52+ byte headers the
// channel masks), the masks after a 40-byte header for BI_BITFIELDS, the palette (BGR entries of
// 3 bytes after a core header, 4 after others), and rows padded to 4 bytes.
//
// Pixels as Pillow reads them: masked channels scaled as value * 255 / mask_max (rounded down),
// the fourth byte of BI_RGB 32-bit pixels and any alpha mask ignored.
#include <algorithm>
#include <array>
#include <cstring>

#include "image/decoders.h"

namespace layerscope {

namespace {

constexpr uint32_t kRgb = 0, kRle8 = 1, kRle4 = 2, kBitfields = 3, kJpeg = 4, kPng = 5, kAlphaBitfields = 6;
constexpr size_t kFileHeader = 14;

uint32_t u16(const uint8_t* p) { return p[0] | p[1] << 8; }
uint32_t u32(const uint8_t* p) { return p[0] | p[1] << 8 | p[2] << 16 | static_cast<uint32_t>(p[3]) << 24; }

// One channel of a BI_BITFIELDS pixel: its bits, shifted down and scaled to 0..255.
struct Channel {
  uint32_t mask = 0;
  int shift = 0;
  uint64_t max = 0;
  uint8_t operator()(uint32_t pixel) const {
    return max ? static_cast<uint8_t>(((pixel & mask) >> shift) * 255 / max) : 0;
  }
};

// A mask must be one run of set bits (or zero: the channel reads as 0).
bool make_channel(uint32_t mask, Channel* c) {
  c->mask = mask;
  if (!mask) return true;
  while (!((mask >> c->shift) & 1)) ++c->shift;
  c->max = mask >> c->shift;
  return (c->max & (c->max + 1)) == 0;
}

struct BmpHeader {
  uint32_t pixels_at = 0, info_size = 0, compression = kRgb, bpp = 0, colours = 0;
  int64_t width = 0, height = 0;
  bool top_down = false;
  std::array<uint32_t, 3> masks = {};
  size_t palette_at = 0, palette_entry = 4;
};

// Reads the headers; an empty string, or what is wrong.
std::string read_header(std::span<const uint8_t> b, BmpHeader* h) {
  if (b.size() < kFileHeader + 4) return "the headers are cut short";
  h->pixels_at = u32(&b[10]);
  h->info_size = u32(&b[kFileHeader]);
  const uint8_t* info = &b[kFileHeader];
  if (h->info_size == 12) {
    if (b.size() < kFileHeader + 12) return "the headers are cut short";
    h->width = u16(info + 4);
    h->height = u16(info + 6);
    h->bpp = u16(info + 10);
    h->palette_entry = 3;
  } else if (h->info_size >= 40 && h->info_size <= 124) {
    if (b.size() < kFileHeader + h->info_size) return "the headers are cut short";
    h->width = static_cast<int32_t>(u32(info + 4));
    h->height = static_cast<int32_t>(u32(info + 8));
    h->bpp = u16(info + 14);
    h->compression = u32(info + 16);
    h->colours = u32(info + 32);
    if (h->height < 0) {
      h->top_down = true;
      h->height = -h->height;  // from int32: no overflow in int64
    }
  } else {
    return "an info header of " + std::to_string(h->info_size) + " bytes (expected 12, or 40 to 124)";
  }
  h->palette_at = kFileHeader + h->info_size;
  switch (h->compression) {
    case kRgb: break;
    case kBitfields:
    case kAlphaBitfields: {
      size_t at = kFileHeader + 40;  // inside a 52+ byte header, else right after the 40 bytes
      if (h->info_size == 40) h->palette_at += h->compression == kBitfields ? 12 : 16;
      if (b.size() < at + 12) return "the channel masks are cut short";
      for (int c = 0; c < 3; ++c) h->masks[c] = u32(&b[at + 4 * c]);
      break;
    }
    case kRle8:
    case kRle4: return "RLE-compressed bitmaps are not supported (uncompressed ones are)";
    case kJpeg:
    case kPng: return "bitmaps holding an embedded JPEG or PNG are not supported";
    default: return "unknown compression " + std::to_string(h->compression);
  }
  if (h->width <= 0 || h->height == 0)
    return "a " + std::to_string(h->width) + " x " + std::to_string(h->height) + " image";
  const bool bitfields = h->compression != kRgb;
  const bool ok = bitfields ? h->bpp == 16 || h->bpp == 32
                            : h->bpp == 1 || h->bpp == 4 || h->bpp == 8 || h->bpp == 16 || h->bpp == 24 || h->bpp == 32;
  if (!ok)
    return std::to_string(h->bpp) + " bits per pixel" + (bitfields ? " with channel masks" : "") +
           " (supported: 1, 4, 8, 16, 24, 32; masks with 16 and 32)";
  return "";
}

}  // namespace

DecodedImage decode_bmp(std::span<const uint8_t> b, uint64_t max_pixels) {
  BmpHeader h;
  const std::string problem = read_header(b, &h);
  if (!problem.empty()) return decode_failure(ImageFormat::Bmp, DecodeOutcome::Unreadable, problem);
  DecodedImage d = check_image_size(ImageFormat::Bmp, h.width, h.height, max_pixels);
  if (!d.ok()) return d;

  // Palette (1, 4, 8 bits): `colours` entries, or all 2^bpp when the header says 0.
  std::array<std::array<uint8_t, 3>, 256> palette = {};
  uint32_t colours = 0;
  if (h.bpp <= 8) {
    colours = h.colours ? h.colours : 1u << h.bpp;
    if (colours > (1u << h.bpp))
      return decode_failure(
          ImageFormat::Bmp, DecodeOutcome::Unreadable,
          "a palette of " + std::to_string(colours) + " colours for " + std::to_string(h.bpp) + "-bit pixels");
    // Writers that leave the count at 0 (all 2^bpp) may store fewer entries: the palette ends
    // where the pixels start, and an index past its end is an error below.
    if (h.pixels_at >= h.palette_at)
      colours = static_cast<uint32_t>(std::min<uint64_t>(colours, (h.pixels_at - h.palette_at) / h.palette_entry));
    if (h.palette_at + uint64_t{colours} * h.palette_entry > b.size())
      return decode_failure(ImageFormat::Bmp, DecodeOutcome::Corrupt, "the palette is cut short");
    for (uint32_t i = 0; i < colours; ++i) {
      const uint8_t* e = &b[h.palette_at + i * h.palette_entry];
      palette[i] = {e[2], e[1], e[0]};
    }
  }
  std::array<Channel, 3> channel;
  if (h.bpp == 16 || h.bpp == 32) {
    std::array<uint32_t, 3> masks = h.masks;
    if (h.compression == kRgb)
      masks = h.bpp == 16 ? std::array<uint32_t, 3>{0x7C00, 0x03E0, 0x001F}
                          : std::array<uint32_t, 3>{0xFF0000, 0xFF00, 0xFF};
    for (int c = 0; c < 3; ++c)
      if (!make_channel(masks[c], &channel[c]) || (h.bpp == 16 && masks[c] > 0xFFFF))
        return decode_failure(ImageFormat::Bmp, DecodeOutcome::Unreadable,
                              "channel mask " + std::to_string(masks[c]) + " is not one run of bits in a pixel");
  }

  // Rows: `row_bytes` of pixels, padded to a multiple of 4. The last row's padding may be
  // missing (some writers drop it); any pixel byte missing is a truncated file.
  const uint64_t w = h.width, rows = h.height;
  const uint64_t row_bytes = (w * h.bpp + 7) / 8, stride = (w * h.bpp + 31) / 32 * 4;
  const uint64_t need = h.pixels_at + (rows - 1) * stride + row_bytes;
  if (h.pixels_at > b.size() || need > b.size())
    return decode_failure(ImageFormat::Bmp, DecodeOutcome::Corrupt,
                          "the pixel rows end " + std::to_string(need - std::min<uint64_t>(need, b.size())) +
                              " bytes after the stream does");

  Tensor pixels(DType::U8, {h.height, h.width, 3});
  uint8_t* out = pixels.data_as<uint8_t>();
  for (uint64_t r = 0; r < rows; ++r) {
    const uint8_t* src = &b[h.pixels_at + r * stride];
    uint8_t* dst = out + (h.top_down ? r : rows - 1 - r) * w * 3;
    for (uint64_t x = 0; x < w; ++x, dst += 3) {
      if (h.bpp <= 8) {
        const unsigned per_byte = 8 / h.bpp, mask = (1u << h.bpp) - 1;
        const unsigned bit_shift = (per_byte - 1 - x % per_byte) * h.bpp;  // most significant first
        const unsigned index = (src[x / per_byte] >> bit_shift) & mask;
        if (index >= colours)
          return decode_failure(
              ImageFormat::Bmp, DecodeOutcome::Corrupt,
              "pixel index " + std::to_string(index) + " beyond the palette's " + std::to_string(colours) + " colours");
        std::memcpy(dst, palette[index].data(), 3);
      } else if (h.bpp == 24) {
        dst[0] = src[3 * x + 2], dst[1] = src[3 * x + 1], dst[2] = src[3 * x];
      } else {
        const uint32_t v = h.bpp == 16 ? u16(&src[2 * x]) : u32(&src[4 * x]);
        for (int c = 0; c < 3; ++c) dst[c] = channel[c](v);
      }
    }
  }
  d.pixels = std::move(pixels);
  return d;
}

}  // namespace layerscope
