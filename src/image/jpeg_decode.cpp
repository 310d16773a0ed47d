// JPEG through libjpeg(-turbo), from memory (the ImageDecoder op) or a FILE (load_jpeg).
//
// libjpeg reports errors by longjmp to the last setjmp. Each call into it runs in one of two
// small functions (read_header, decompress) whose only locals are trivially destructible, and
// whose state lives in a JpegState (plain C structs) owned by the caller: a longjmp lands in
// the function that armed it and never skips a C++ destructor. The output tensor is allocated
// between the two, by the caller, once the header's size was checked.
#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <memory>
#include <type_traits>

#include "image/decoders.h"

// After <cstdio>: jpeglib.h uses FILE and size_t without declaring them.
#include <jpeglib.h>

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

struct JpegState {
  jpeg_decompress_struct cinfo;
  JpegError err;
};
static_assert(std::is_trivially_destructible_v<JpegState>, "longjmp must not skip a destructor");

enum class Step { Ok, Failed, Corrupt };

Step failed(const JpegState& s) { return s.err.corrupt ? Step::Corrupt : Step::Failed; }

// Reads the header from `file` or else from data/size, and chooses the output colour space:
// grey stays grey, YCbCr and RGB become RGB, CMYK and YCCK come out as (Adobe-inverted) CMYK.
// An unknown colour space leaves out_color_space JCS_UNKNOWN for the caller to refuse.
Step read_header(JpegState* s, std::FILE* file, const uint8_t* data, size_t size) {
  s->cinfo.err = jpeg_std_error(&s->err.mgr);
  s->err.mgr.error_exit = on_jpeg_error;
  s->err.mgr.emit_message = on_jpeg_message;
  if (setjmp(s->err.jump)) return failed(*s);
  jpeg_create_decompress(&s->cinfo);
  if (file) jpeg_stdio_src(&s->cinfo, file);
  else jpeg_mem_src(&s->cinfo, data, static_cast<unsigned long>(size));
  jpeg_read_header(&s->cinfo, TRUE);
  switch (s->cinfo.jpeg_color_space) {
    case JCS_GRAYSCALE: s->cinfo.out_color_space = JCS_GRAYSCALE; break;
    case JCS_YCbCr:
    case JCS_RGB: s->cinfo.out_color_space = JCS_RGB; break;
    case JCS_CMYK:
    case JCS_YCCK: s->cinfo.out_color_space = JCS_CMYK; break;
    default: s->cinfo.out_color_space = JCS_UNKNOWN; return Step::Ok;
  }
  jpeg_calc_output_dimensions(&s->cinfo);
  return Step::Ok;
}

// Decodes every scanline into `out` (rows of row_bytes) and reads on to the end marker, where a
// cut-off tail warns.
Step decompress(JpegState* s, uint8_t* out, size_t row_bytes) {
  if (setjmp(s->err.jump)) return failed(*s);
  jpeg_start_decompress(&s->cinfo);
  while (s->cinfo.output_scanline < s->cinfo.output_height) {
    JSAMPROW row = out + static_cast<size_t>(s->cinfo.output_scanline) * row_bytes;
    jpeg_read_scanlines(&s->cinfo, &row, 1);
  }
  jpeg_finish_decompress(&s->cinfo);
  return Step::Ok;
}

// Pillow's CMYK -> RGB: R = (255 - C) * (255 - K) / 255 with its rounding division
// ((t + (t >> 8)) >> 8, t = a * b + 128). libjpeg hands Adobe JPEGs' CMYK inverted (255 - C),
// as Pillow reads them too, so the inverted values are the factors.
Tensor cmyk_to_rgb(const Tensor& cmyk) {
  const int64_t h = cmyk.dim(0), w = cmyk.dim(1);
  Tensor rgb(DType::U8, {h, w, 3});
  const uint8_t* src = cmyk.data_as<uint8_t>();
  uint8_t* dst = rgb.data_as<uint8_t>();
  for (int64_t i = 0; i < h * w; ++i)
    for (int c = 0; c < 3; ++c) {
      const unsigned t = src[4 * i + c] * unsigned{src[4 * i + 3]} + 128;
      dst[3 * i + c] = static_cast<uint8_t>((t + (t >> 8)) >> 8);
    }
  return rgb;
}

DecodedImage decode(std::FILE* file, std::span<const uint8_t> encoded, uint64_t max_pixels) {
  auto state = std::make_unique<JpegState>();  // zeroed: destroying it is safe at any point
  struct Destroy {
    JpegState* s;
    ~Destroy() { jpeg_destroy_decompress(&s->cinfo); }
  } destroy{state.get()};
  JpegState* s = state.get();
  auto failure = [&](Step step) {
    return decode_failure(ImageFormat::Jpeg, step == Step::Corrupt ? DecodeOutcome::Corrupt : DecodeOutcome::Unreadable,
                          s->err.message);
  };
  Step step = read_header(s, file, encoded.data(), encoded.size());
  if (step != Step::Ok) return failure(step);
  const jpeg_decompress_struct& ci = s->cinfo;
  if (ci.out_color_space == JCS_UNKNOWN)
    return decode_failure(ImageFormat::Jpeg, DecodeOutcome::Unreadable,
                          std::to_string(ci.num_components) + " components of an unknown colour space");
  DecodedImage d = check_image_size(ImageFormat::Jpeg, ci.image_width, ci.image_height, max_pixels);
  if (!d.ok()) return d;
  const int comps = ci.output_components;
  Tensor pixels(DType::U8, {ci.output_height, ci.output_width, comps});
  step = decompress(s, pixels.data_as<uint8_t>(), static_cast<size_t>(ci.output_width) * comps);
  if (step != Step::Ok) return failure(step);
  d.pixels = comps == 4 ? cmyk_to_rgb(pixels) : std::move(pixels);
  return d;
}

}  // namespace

DecodedImage decode_jpeg(std::span<const uint8_t> encoded, uint64_t max_pixels) {
  return decode(nullptr, encoded, max_pixels);
}

DecodedImage decode_jpeg_file(std::FILE* file, PixelFormat pixels, uint64_t max_pixels) {
  DecodedImage d = decode(file, {}, max_pixels);
  if (d.ok()) d.pixels = to_pixel_format(std::move(d.pixels), pixels);
  return d;
}

}  // namespace layerscope
