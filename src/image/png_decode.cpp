// PNG through libpng, from memory.
//
// libpng reports errors by longjmp to png_jmpbuf. Each call into it runs in one of three small
// functions (read_header, set_transforms, read_pixels) that arm that jump buffer, have only
// trivially destructible locals and keep their state in a PngState (plain C data) owned by the
// caller, so a longjmp lands in the function that armed it and never skips a C++ destructor.
// The caller checks the header's size and allocates the pixels and row pointers in between.
//
// Pixels as Pillow reads them: a palette expanded to RGB, grey of 1, 2 or 4 bits scaled to 8
// (v * 255 / (2^bits - 1)), 16-bit samples reduced to their high byte, alpha (and tRNS
// transparency) dropped without compositing, no gamma or colour-profile correction.
#include <png.h>

#include <csetjmp>
#include <cstring>
#include <memory>
#include <type_traits>
#include <vector>

#include "image/decoders.h"

namespace layerscope {

namespace {

struct PngState {
  png_structp png;
  png_infop info;
  const uint8_t* data;
  size_t size, pos;
  char message[256];
  bool truncated;  // the stream ended before libpng had read what it needed
  int channels;    // of the transformed rows: 1 (grey) or 3 (RGB)
  size_t row_bytes;
};
static_assert(std::is_trivially_destructible_v<PngState>, "longjmp must not skip a destructor");

// libpng calls this for every error and expects it not to return: the message is kept and the
// jump taken here (returning would make libpng print it to stderr first).
void on_png_error(png_structp png, png_const_charp message) {
  auto* s = static_cast<PngState*>(png_get_error_ptr(png));
  std::strncpy(s->message, message ? message : "unknown libpng error", sizeof(s->message) - 1);
  png_longjmp(png, 1);
}

// Warnings are about ancillary chunks libpng skipped (a bad CRC, an odd colour profile): none
// changes a pixel, so they are dropped, not printed (a library does not write to stderr).
void on_png_warning(png_structp, png_const_charp) {}

void read_bytes(png_structp png, png_bytep out, size_t n) {
  auto* s = static_cast<PngState*>(png_get_io_ptr(png));
  if (n > s->size - s->pos) {
    s->truncated = true;
    png_error(png, "the stream ends before the image does");
  }
  std::memcpy(out, s->data + s->pos, n);
  s->pos += n;
}

bool read_header(PngState* s) {
  if (setjmp(png_jmpbuf(s->png))) return false;
  png_set_read_fn(s->png, s, read_bytes);
  png_set_option(s->png, PNG_SKIP_sRGB_CHECK_PROFILE, PNG_OPTION_ON);
  png_read_info(s->png, s->info);
  return true;
}

// Rows of 8-bit grey or RGB, whatever the file holds (see the top of this file).
bool set_transforms(PngState* s) {
  if (setjmp(png_jmpbuf(s->png))) return false;
  png_set_expand(s->png);  // palette -> RGB, grey of 1/2/4 bits -> 8, tRNS -> alpha
  png_set_strip_16(s->png);
  png_set_strip_alpha(s->png);
  png_set_interlace_handling(s->png);
  png_read_update_info(s->png, s->info);
  s->channels = png_get_channels(s->png, s->info);
  s->row_bytes = png_get_rowbytes(s->png, s->info);
  return true;
}

// Decodes every row, then reads on to the IEND chunk: a stream cut after the pixels is still
// a truncated file.
bool read_pixels(PngState* s, png_bytepp rows) {
  if (setjmp(png_jmpbuf(s->png))) return false;
  png_read_image(s->png, rows);
  png_read_end(s->png, nullptr);
  return true;
}

}  // namespace

DecodedImage decode_png(std::span<const uint8_t> encoded, uint64_t max_pixels) {
  auto state = std::make_unique<PngState>();
  PngState* s = state.get();
  s->data = encoded.data();
  s->size = encoded.size();
  s->png = png_create_read_struct(PNG_LIBPNG_VER_STRING, s, on_png_error, on_png_warning);
  if (s->png) s->info = png_create_info_struct(s->png);
  struct Destroy {
    PngState* s;
    ~Destroy() {
      if (s->png) png_destroy_read_struct(&s->png, s->info ? &s->info : nullptr, nullptr);
    }
  } destroy{s};
  if (!s->png || !s->info) throw std::bad_alloc();
  auto failure = [&](DecodeOutcome outcome) {
    return decode_failure(ImageFormat::Png, s->truncated ? DecodeOutcome::Corrupt : outcome, s->message);
  };

  if (!read_header(s)) return failure(DecodeOutcome::Unreadable);
  DecodedImage d = check_image_size(ImageFormat::Png, png_get_image_width(s->png, s->info),
                                    png_get_image_height(s->png, s->info), max_pixels);
  if (!d.ok()) return d;
  if (!set_transforms(s)) return failure(DecodeOutcome::Unreadable);
  const size_t w = d.width, h = d.height;
  if ((s->channels != 1 && s->channels != 3) || s->row_bytes != w * s->channels)
    return decode_failure(ImageFormat::Png, DecodeOutcome::Unreadable,
                          "rows of " + std::to_string(s->channels) + " channels and " + std::to_string(s->row_bytes) +
                              " bytes after conversion to 8-bit grey or RGB");
  Tensor pixels(DType::U8, {static_cast<int64_t>(h), static_cast<int64_t>(w), s->channels});
  std::vector<png_bytep> rows(h);
  for (size_t y = 0; y < h; ++y) rows[y] = pixels.data_as<uint8_t>() + y * s->row_bytes;
  if (!read_pixels(s, rows.data())) return failure(DecodeOutcome::Corrupt);
  d.pixels = std::move(pixels);
  return d;
}

}  // namespace layerscope
