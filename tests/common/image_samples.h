// Encoded images made in the tests from known pixels (no image files in the repository): JPEG
// and PNG through libjpeg and libpng, BMP and PNM written byte by byte. For the decoders
// (tests/unit/image_decode_test.cpp) and the ImageDecoder op (tests/ops/image_decoder_test.cpp).
#pragma once
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

// After <cstdio>: jpeglib.h uses FILE and size_t without declaring them.
#include <jpeglib.h>
#include <png.h>

namespace layerscope::testing {

using Bytes = std::vector<uint8_t>;

// A width x height image of `channels` interleaved 8-bit samples, row-major from the top.
struct Pixels {
  int width = 0, height = 0, channels = 0;
  Bytes data;
  uint8_t at(int x, int y, int c) const { return data[(static_cast<size_t>(y) * width + x) * channels + c]; }
};

// A pattern with every channel different and varying along both axes.
inline Pixels pattern(int width, int height, int channels) {
  Pixels p{width, height, channels, Bytes(static_cast<size_t>(width) * height * channels)};
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x)
      for (int c = 0; c < channels; ++c)
        p.data[(static_cast<size_t>(y) * width + x) * channels + c] = static_cast<uint8_t>(x * 37 + y * 11 + c * 85);
  return p;
}

// A smooth image (JPEG keeps it within a few levels): gradients in x, y and a constant.
inline Pixels smooth(int width, int height, int channels) {
  Pixels p{width, height, channels, Bytes(static_cast<size_t>(width) * height * channels)};
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x)
      for (int c = 0; c < channels; ++c) {
        const int v = c % 3 == 0 ? x * 255 / width : c % 3 == 1 ? y * 255 / height : 128;
        p.data[(static_cast<size_t>(y) * width + x) * channels + c] = static_cast<uint8_t>(v);
      }
  return p;
}

// ---- JPEG (libjpeg) ----

struct JpegOptions {
  int quality = 90;
  bool progressive = false;
  bool full_chroma = false;  // 4:4:4 instead of libjpeg's default 4:2:0
};

// 1 channel: greyscale JPEG; 3: RGB (stored YCbCr); 4: CMYK (Adobe marker, inverted as Adobe
// writes it: the samples given are stored as they are).
inline Bytes encode_jpeg(const Pixels& p, JpegOptions o = {}) {
  jpeg_compress_struct c{};
  jpeg_error_mgr err{};
  c.err = jpeg_std_error(&err);
  jpeg_create_compress(&c);
  unsigned char* buffer = nullptr;
  unsigned long size = 0;
  jpeg_mem_dest(&c, &buffer, &size);
  c.image_width = p.width;
  c.image_height = p.height;
  c.input_components = p.channels;
  c.in_color_space = p.channels == 1 ? JCS_GRAYSCALE : p.channels == 3 ? JCS_RGB : JCS_CMYK;
  jpeg_set_defaults(&c);
  jpeg_set_quality(&c, o.quality, TRUE);
  if (o.progressive) jpeg_simple_progression(&c);
  if (o.full_chroma)
    for (int i = 0; i < c.num_components; ++i) c.comp_info[i].h_samp_factor = c.comp_info[i].v_samp_factor = 1;
  jpeg_start_compress(&c, TRUE);
  while (c.next_scanline < c.image_height) {
    JSAMPROW row = const_cast<uint8_t*>(&p.data[static_cast<size_t>(c.next_scanline) * p.width * p.channels]);
    jpeg_write_scanlines(&c, &row, 1);
  }
  jpeg_finish_compress(&c);
  jpeg_destroy_compress(&c);
  Bytes out(buffer, buffer + size);
  std::free(buffer);
  return out;
}

// ---- PNG (libpng) ----

struct PngOptions {
  int color_type = PNG_COLOR_TYPE_RGB;
  int bit_depth = 8;
  bool interlaced = false;
  std::vector<png_color> palette = {};  // PNG_COLOR_TYPE_PALETTE
  std::vector<uint8_t> trns = {};       // palette alpha entries (tRNS)
};

inline void append_png_bytes(png_structp png, png_bytep data, size_t n) {
  auto* out = static_cast<Bytes*>(png_get_io_ptr(png));
  out->insert(out->end(), data, data + n);
}

// `rows`: each row's bytes as the PNG stores them (samples of bit_depth bits, big-endian
// 16-bit, packed below 8 bits). Test input is valid, so libpng's errors are not handled.
inline Bytes encode_png(int width, int height, const std::vector<Bytes>& rows, const PngOptions& o) {
  Bytes out;
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png_create_info_struct(png);
  png_set_write_fn(png, &out, append_png_bytes, nullptr);
  png_set_IHDR(png, info, width, height, o.bit_depth, o.color_type,
               o.interlaced ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
               PNG_FILTER_TYPE_DEFAULT);
  if (!o.palette.empty()) png_set_PLTE(png, info, o.palette.data(), static_cast<int>(o.palette.size()));
  if (!o.trns.empty()) png_set_tRNS(png, info, o.trns.data(), static_cast<int>(o.trns.size()), nullptr);
  png_write_info(png, info);
  std::vector<png_bytep> row_ptrs;
  for (const Bytes& r : rows) row_ptrs.push_back(const_cast<png_bytep>(r.data()));
  png_write_image(png, row_ptrs.data());
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  return out;
}

// An 8-bit grey (1 channel), grey + alpha (2), RGB (3) or RGBA (4) PNG of `p`.
inline Bytes encode_png(const Pixels& p, bool interlaced = false) {
  static const int types[] = {0, PNG_COLOR_TYPE_GRAY, PNG_COLOR_TYPE_GRAY_ALPHA, PNG_COLOR_TYPE_RGB,
                              PNG_COLOR_TYPE_RGB_ALPHA};
  std::vector<Bytes> rows;
  const size_t row = static_cast<size_t>(p.width) * p.channels;
  for (int y = 0; y < p.height; ++y) rows.emplace_back(p.data.begin() + y * row, p.data.begin() + (y + 1) * row);
  return encode_png(p.width, p.height, rows, {.color_type = types[p.channels], .interlaced = interlaced});
}

// ---- BMP (by hand) ----

inline void put_le(Bytes& b, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) b.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

struct BmpOptions {
  int bpp = 24;
  bool top_down = false;
  uint32_t compression = 0;               // 0 BI_RGB, 3 BI_BITFIELDS
  std::vector<uint32_t> masks = {};       // BI_BITFIELDS: R, G, B after a 40-byte header
  std::vector<uint8_t> palette_bgr = {};  // 1/4/8 bpp: 4 bytes (B, G, R, 0) per entry
  bool core_header = false;               // the 12-byte OS/2 header (3-byte palette entries)
};

// `rows`: each row's pixel bytes from the top, unpadded (padding to 4 bytes is added here).
inline Bytes encode_bmp(int width, int height, const std::vector<Bytes>& rows, const BmpOptions& o) {
  const size_t stride = (static_cast<size_t>(width) * o.bpp + 31) / 32 * 4;
  Bytes pixels;
  for (int r = 0; r < height; ++r) {
    const Bytes& row = rows[o.top_down ? r : height - 1 - r];
    pixels.insert(pixels.end(), row.begin(), row.end());
    pixels.resize(pixels.size() + stride - row.size(), 0);
  }
  Bytes info;
  if (o.core_header) {
    put_le(info, 12, 4), put_le(info, width, 2), put_le(info, height, 2), put_le(info, 1, 2), put_le(info, o.bpp, 2);
  } else {
    put_le(info, 40, 4), put_le(info, width, 4), put_le(info, o.top_down ? -height : height, 4);
    put_le(info, 1, 2), put_le(info, o.bpp, 2), put_le(info, o.compression, 4), put_le(info, pixels.size(), 4);
    put_le(info, 2835, 4), put_le(info, 2835, 4);
    put_le(info, o.palette_bgr.size() / 4, 4), put_le(info, 0, 4);
    for (uint32_t m : o.masks) put_le(info, m, 4);
  }
  Bytes palette = o.palette_bgr;
  if (o.core_header) {  // 3-byte entries
    palette.clear();
    for (size_t i = 0; i + 4 <= o.palette_bgr.size(); i += 4)
      palette.insert(palette.end(), o.palette_bgr.begin() + i, o.palette_bgr.begin() + i + 3);
  }
  const size_t offset = 14 + info.size() + palette.size();
  Bytes b = {'B', 'M'};
  put_le(b, offset + pixels.size(), 4), put_le(b, 0, 4), put_le(b, offset, 4);
  b.insert(b.end(), info.begin(), info.end());
  b.insert(b.end(), palette.begin(), palette.end());
  b.insert(b.end(), pixels.begin(), pixels.end());
  return b;
}

// A 24-bit BMP of an RGB image.
inline Bytes encode_bmp(const Pixels& p, bool top_down = false) {
  std::vector<Bytes> rows;
  for (int y = 0; y < p.height; ++y) {
    Bytes row;
    for (int x = 0; x < p.width; ++x) row.insert(row.end(), {p.at(x, y, 2), p.at(x, y, 1), p.at(x, y, 0)});
    rows.push_back(row);
  }
  return encode_bmp(p.width, p.height, rows, {.top_down = top_down});
}

// ---- PNM (by hand) ----

inline Bytes bytes_of(const std::string& s) { return Bytes(s.begin(), s.end()); }

// P5 (1 channel) or P6 (3 channels), maxval 255.
inline Bytes encode_pnm(const Pixels& p) {
  Bytes b = bytes_of((p.channels == 1 ? "P5\n" : "P6\n") + std::to_string(p.width) + " " + std::to_string(p.height) +
                     "\n255\n");
  b.insert(b.end(), p.data.begin(), p.data.end());
  return b;
}

}  // namespace layerscope::testing
