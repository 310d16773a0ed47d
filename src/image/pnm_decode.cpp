// PNM (Netpbm), our own reader: P1 / P4 bitmaps, P2 / P5 greymaps, P3 / P6 pixmaps, plain
// (ASCII) and raw (binary), with any maxval from 1 to 65535 (raw samples of two bytes, most
// significant first, above 255).
//
// Layout: the magic number, width, height and (except bitmaps) maxval as ASCII decimals
// separated by whitespace, with '#' comments to the end of a line; then, for raw formats, one
// whitespace byte and the samples (bitmaps: rows of ceil(width / 8) bytes, most significant
// bit first); for plain formats, decimal samples separated by whitespace (bitmaps: the digits 0
// and 1, whitespace optional). Bytes after the image (a next image) are ignored.
//
// Samples as Pillow reads them: a bitmap's 1 is black (0) and 0 white (255); other samples
// are scaled as round(v * 255 / maxval) with ties to even (Python's round), so a maxval of 255
// gives them as they are. (Pillow reads a 16-bit greymap as 32-bit mode I, which its 'L'
// conversion clips at 255; the same rule as for pixmaps is applied to it here.)
#include <cstring>
#include <string>
#include <vector>

#include "image/decoders.h"

namespace layerscope {

namespace {

constexpr uint32_t kMaxHeaderNumber = 0x7FFFFFFF;

bool is_space(uint8_t c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

class Reader {
 public:
  explicit Reader(std::span<const uint8_t> b) : b_(b) {}
  size_t pos() const { return pos_; }
  void seek(size_t p) { pos_ = p; }
  size_t left() const { return b_.size() - pos_; }
  const uint8_t* at() const { return b_.data() + pos_; }

  // Skips whitespace and comments; false at the end of the stream.
  bool skip_space() {
    while (pos_ < b_.size()) {
      if (b_[pos_] == '#') {
        while (pos_ < b_.size() && b_[pos_] != '\n' && b_[pos_] != '\r') ++pos_;
      } else if (is_space(b_[pos_])) {
        ++pos_;
      } else {
        return true;
      }
    }
    return false;
  }
  // The next decimal number (after whitespace and comments), at most `max`; "" when read,
  // else what went wrong.
  std::string number(uint32_t max, uint32_t* v) {
    if (!skip_space()) return "the stream ends early";
    if (b_[pos_] < '0' || b_[pos_] > '9') return "expected a decimal number at byte " + std::to_string(pos_);
    uint64_t n = 0;
    while (pos_ < b_.size() && b_[pos_] >= '0' && b_[pos_] <= '9') {
      n = n * 10 + (b_[pos_++] - '0');
      if (n > max) return "a number over " + std::to_string(max) + " at byte " + std::to_string(pos_);
    }
    *v = static_cast<uint32_t>(n);
    return "";
  }
  // One plain bitmap digit: 0 or 1, whitespace optional.
  std::string bit(uint32_t* v) {
    if (!skip_space()) return "the stream ends early";
    if (b_[pos_] != '0' && b_[pos_] != '1') return "expected 0 or 1 at byte " + std::to_string(pos_);
    *v = b_[pos_++] - '0';
    return "";
  }

 private:
  std::span<const uint8_t> b_;
  size_t pos_ = 0;
};

// round(v * 255 / maxval), ties to even (exact: integers only).
uint32_t to_byte(uint32_t v, uint32_t maxval) {
  const uint64_t num = uint64_t{v} * 255;
  uint64_t q = num / maxval;
  const uint64_t twice_rem = num % maxval * 2;
  if (twice_rem > maxval || (twice_rem == maxval && (q & 1))) ++q;
  return static_cast<uint32_t>(q);
}

// The 8-bit value of every sample 0..maxval (see the top of this file).
std::vector<uint8_t> sample_table(uint32_t maxval) {
  std::vector<uint8_t> t(maxval + 1);
  for (uint32_t v = 0; v <= maxval; ++v) t[v] = static_cast<uint8_t>(to_byte(v, maxval));
  return t;
}

}  // namespace

DecodedImage decode_pnm(std::span<const uint8_t> b, uint64_t max_pixels) {
  auto failure = [](DecodeOutcome o, std::string what) { return decode_failure(ImageFormat::Pnm, o, std::move(what)); };
  const char kind = static_cast<char>(b[1]);  // detect_image_format saw 'P', '1'..'6'
  const bool raw = kind >= '4', bitmap = kind == '1' || kind == '4', colour = kind == '3' || kind == '6';
  Reader in(b);
  in.seek(2);
  uint32_t width = 0, height = 0, maxval = 1;
  std::string problem = in.number(kMaxHeaderNumber, &width);
  if (problem.empty()) problem = in.number(kMaxHeaderNumber, &height);
  if (problem.empty() && !bitmap) problem = in.number(65535, &maxval);
  if (!problem.empty()) return failure(DecodeOutcome::Unreadable, "P" + std::string(1, kind) + " header: " + problem);
  if (width == 0 || height == 0 || maxval == 0)
    return failure(DecodeOutcome::Unreadable, "a " + std::to_string(width) + " x " + std::to_string(height) +
                                                  " image with maxval " + std::to_string(maxval));
  DecodedImage d = check_image_size(ImageFormat::Pnm, width, height, max_pixels);
  if (!d.ok()) return d;

  const int channels = colour ? 3 : 1;
  const uint64_t samples = uint64_t{width} * height * channels;
  if (raw) {  // exactly one whitespace byte ends the header
    if (in.left() == 0 || !is_space(*in.at()))
      return failure(DecodeOutcome::Unreadable, "no whitespace after the header");
    in.seek(in.pos() + 1);
    const uint64_t bytes = bitmap ? (uint64_t{width} + 7) / 8 * height : samples * (maxval > 255 ? 2 : 1);
    if (bytes > in.left())
      return failure(DecodeOutcome::Corrupt,
                     "the pixels end " + std::to_string(bytes - in.left()) + " bytes after the stream does");
  } else {  // each sample is at least one digit, and all but a bitmap's separated by whitespace
    const uint64_t least = bitmap ? samples : 2 * samples - 1;
    if (least > in.left())
      return failure(DecodeOutcome::Corrupt, "the stream ends before its " + std::to_string(samples) + " samples");
  }

  Tensor pixels(DType::U8, {static_cast<int64_t>(height), static_cast<int64_t>(width), channels});
  uint8_t* out = pixels.data_as<uint8_t>();
  if (bitmap) {
    const uint64_t row_bytes = (uint64_t{width} + 7) / 8;
    for (uint64_t y = 0; y < height; ++y)
      for (uint64_t x = 0; x < width; ++x) {
        uint32_t v = 0;
        if (raw) {
          v = (in.at()[y * row_bytes + x / 8] >> (7 - x % 8)) & 1;
        } else if (std::string p = in.bit(&v); !p.empty()) {
          return failure(DecodeOutcome::Corrupt, p);
        }
        out[y * width + x] = v ? 0 : 255;
      }
  } else {
    const std::vector<uint8_t> table = sample_table(maxval);
    const uint8_t* src = in.at();
    for (uint64_t i = 0; i < samples; ++i) {
      uint32_t v = 0;
      if (!raw) {
        if (std::string p = in.number(65535, &v); !p.empty()) return failure(DecodeOutcome::Corrupt, p);
      } else {
        v = maxval > 255 ? uint32_t{src[2 * i]} << 8 | src[2 * i + 1] : src[i];
      }
      if (v > maxval)
        return failure(DecodeOutcome::Corrupt,
                       "sample " + std::to_string(v) + " over maxval " + std::to_string(maxval));
      out[i] = table[v];
    }
  }
  d.pixels = std::move(pixels);
  return d;
}

}  // namespace layerscope
