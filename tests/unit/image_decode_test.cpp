// The image decoders (src/image/): format detection, every layout each format's reader takes
// to known pixels, the pixel formats (RGB, BGR, Pillow's grey), and hostile streams (cut at
// every length, bytes flipped, headers claiming huge sizes or unsupported variants), which must
// give a clear failure and never a crash. Images are encoded here from known pixels
// (tests/common/image_samples.h). Pillow's decoding of the same layouts: ctest image_decoder_pil.
#include "image/image_decode.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <random>

#include "common/image_samples.h"
#include "layerscope/image.h"

namespace layerscope {
namespace {

using testing::Bytes;
using testing::bytes_of;
using testing::Pixels;

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

DecodedImage decode(const Bytes& b, PixelFormat f = PixelFormat::Rgb, uint64_t max_pixels = kMaxImagePixels) {
  return decode_image(std::span<const uint8_t>(b.data(), b.size()), f, max_pixels);
}

// The decoded pixels, row-major (H, W, C).
Bytes pixels_of(const DecodedImage& d) {
  const uint8_t* p = d.pixels.data_as<uint8_t>();
  return Bytes(p, p + d.pixels.numel());
}

// Where `needle` starts in `b` (b.size() when it does not occur).
size_t find(const Bytes& b, const std::string& needle) {
  const Bytes n = bytes_of(needle);
  return std::search(b.begin(), b.end(), n.begin(), n.end()) - b.begin();
}

// Decodes `b` and expects success with shape (h, w, c).
Bytes decoded(const Bytes& b, int64_t h, int64_t w, int64_t c, PixelFormat f = PixelFormat::Rgb) {
  const DecodedImage d = decode(b, f);
  EXPECT_TRUE(d.ok()) << describe_failure(d);
  if (!d.ok()) return {};
  EXPECT_EQ(d.pixels.shape(), (Shape{h, w, c}));
  return pixels_of(d);
}

// ---- detection ----

TEST(ImageDecode, DetectsTheFormatFromTheFirstBytes) {
  const std::pair<std::string, ImageFormat> cases[] = {
      {"\xff\xd8\xff\xe0", ImageFormat::Jpeg},
      {"\x89PNG\r\n\x1a\n", ImageFormat::Png},
      {"BM\x36\x0c", ImageFormat::Bmp},
      {"P6\n32 32", ImageFormat::Pnm},
      {"P1#c", ImageFormat::Pnm},
      {std::string("II*\0\x08\0", 6), ImageFormat::Tiff},
      {std::string("MM\0*", 4), ImageFormat::Tiff},
      {std::string("RIFF\x20\x02\0\0WEBPVP8 ", 16), ImageFormat::WebP},
      {std::string("\0\0\0\x0cjP  \r\n\x87\n", 12), ImageFormat::Jpeg2000},
      {"\xff\x4f\xff\x51", ImageFormat::Jpeg2000},
      {"GIF89a", ImageFormat::Gif},
      {"P7\n", ImageFormat::Unknown},  // PAM
      {"P6", ImageFormat::Unknown},    // nothing after the magic
      {std::string("RIFF\0\0\0\0WAVE", 12), ImageFormat::Unknown},
      {"", ImageFormat::Unknown},
  };
  for (const auto& [head, want] : cases)
    EXPECT_EQ(detect_image_format(bytes_of(head)), want) << "'" << head << "' read as " << image_format_name(want);
}

TEST(ImageDecode, UnsupportedFormatsNameWhatTheyAreAndWhatIsSupported) {
  for (const auto& [head, name] :
       std::vector<std::pair<std::string, std::string>>{{std::string("II*\0\x08\0\0\0", 8), "TIFF"},
                                                        {std::string("RIFF\x20\x02\0\0WEBPVP8 ", 16), "WebP"},
                                                        {std::string("\0\0\0\x0cjP  \r\n\x87\n", 12), "JPEG 2000"},
                                                        {"GIF89a\x01\0\x01\0", "GIF"}}) {
    const DecodedImage d = decode(bytes_of(head));
    EXPECT_EQ(d.outcome, DecodeOutcome::NotAnImage) << name;
    const std::string m = describe_failure(d);
    EXPECT_TRUE(contains(m, "it is a " + name + " image")) << m;
    EXPECT_TRUE(contains(m, "decodes JPEG, PNG, BMP and PNM (PBM/PGM/PPM)")) << m;
  }
  DecodedImage d = decode(bytes_of("hello, world"));
  EXPECT_EQ(d.outcome, DecodeOutcome::NotAnImage);
  EXPECT_TRUE(contains(describe_failure(d), "its first bytes (68 65 6c 6c 6f 2c 20 77 ...) are the signature of no"))
      << describe_failure(d);
  d = decode({});
  EXPECT_EQ(describe_failure(d), "the encoded stream is empty");
}

// ---- pixel formats ----

// Pillow's 'L' values of these pixels (Image.fromarray(...).convert('L')): (0, 1, 1) gives 1
// where 0.299 R + 0.587 G + 0.114 B rounded down would give 0.
TEST(ImageDecode, PixelFormatsAreRgbBgrAndPillowsGrey) {
  const Bytes rgb = {255, 0, 0, 0, 255, 0,  0,  0, 255, 255, 255, 255, 10, 200,
                     30,  1, 1, 0, 128, 64, 32, 3, 2,   1,   0,   1,   1};
  const Bytes png = testing::encode_png(Pixels{9, 1, 3, rgb});
  EXPECT_EQ(decoded(png, 1, 9, 3, PixelFormat::Rgb), rgb);
  Bytes bgr = rgb;
  for (size_t i = 0; i < bgr.size(); i += 3) std::swap(bgr[i], bgr[i + 2]);
  EXPECT_EQ(decoded(png, 1, 9, 3, PixelFormat::Bgr), bgr);
  EXPECT_EQ(decoded(png, 1, 9, 1, PixelFormat::Grayscale), (Bytes{76, 150, 29, 255, 124, 1, 79, 2, 1}));
  // A grey image: as it is for Grayscale, each value three times for RGB and BGR.
  const Bytes grey = {0, 7, 128, 255};
  const Bytes grey_png = testing::encode_png(Pixels{2, 2, 1, grey});
  EXPECT_EQ(decoded(grey_png, 2, 2, 1, PixelFormat::Grayscale), grey);
  const Bytes tripled = {0, 0, 0, 7, 7, 7, 128, 128, 128, 255, 255, 255};
  EXPECT_EQ(decoded(grey_png, 2, 2, 3, PixelFormat::Rgb), tripled);
  EXPECT_EQ(decoded(grey_png, 2, 2, 3, PixelFormat::Bgr), tripled);
}

// ---- PNG ----

TEST(ImageDecode, PngEveryColourTypeToKnownPixels) {
  const Pixels rgb = testing::pattern(7, 5, 3);
  EXPECT_EQ(decoded(testing::encode_png(rgb), 5, 7, 3), rgb.data);
  EXPECT_EQ(decoded(testing::encode_png(rgb, /*interlaced=*/true), 5, 7, 3), rgb.data);
  // Alpha is dropped, not composited (Pillow's RGBA -> RGB and LA -> L).
  const Pixels rgba = testing::pattern(7, 5, 4);
  Bytes want;
  for (size_t i = 0; i < rgba.data.size(); i += 4)
    want.insert(want.end(), {rgba.data[i], rgba.data[i + 1], rgba.data[i + 2]});
  EXPECT_EQ(decoded(testing::encode_png(rgba), 5, 7, 3), want);
  const Pixels la = testing::pattern(3, 2, 2);
  EXPECT_EQ(decoded(testing::encode_png(la), 2, 3, 1, PixelFormat::Grayscale),
            (Bytes{la.data[0], la.data[2], la.data[4], la.data[6], la.data[8], la.data[10]}));
  // 16-bit samples give their high byte.
  EXPECT_EQ(
      decoded(testing::encode_png(2, 1, {{0x12, 0x34, 0xAB, 0xCD, 0xFF, 0xFF, 0x00, 0xFF, 0x80, 0x00, 0x01, 0x02}},
                                  {.color_type = PNG_COLOR_TYPE_RGB, .bit_depth = 16}),
              1, 2, 3),
      (Bytes{0x12, 0xAB, 0xFF, 0x00, 0x80, 0x01}));
  // 2-bit grey scales 0..3 to 0, 85, 170, 255.
  EXPECT_EQ(decoded(testing::encode_png(4, 1, {{0b00011011}}, {.color_type = PNG_COLOR_TYPE_GRAY, .bit_depth = 2}), 1,
                    4, 1, PixelFormat::Grayscale),
            (Bytes{0, 85, 170, 255}));
  // A palette with transparency gives the palette's colours (4-bit indices, odd width).
  const testing::PngOptions pal{.color_type = PNG_COLOR_TYPE_PALETTE,
                                .bit_depth = 4,
                                .palette = {{10, 20, 30}, {40, 50, 60}, {70, 80, 90}},
                                .trns = {0, 128}};
  EXPECT_EQ(decoded(testing::encode_png(3, 1, {{0x21, 0x00}}, pal), 1, 3, 3),
            (Bytes{70, 80, 90, 40, 50, 60, 10, 20, 30}));
}

// ---- BMP ----

TEST(ImageDecode, Bmp24BitBottomUpAndTopDown) {
  const Pixels p = testing::pattern(5, 3, 3);  // 15-byte rows: one byte of padding each
  EXPECT_EQ(decoded(testing::encode_bmp(p), 3, 5, 3), p.data);
  EXPECT_EQ(decoded(testing::encode_bmp(p, /*top_down=*/true), 3, 5, 3), p.data);
}

TEST(ImageDecode, Bmp16And32BitWithAndWithoutMasks) {
  // 32-bit BI_RGB: B, G, R, and a fourth byte that is ignored.
  const Bytes row32 = {1, 2, 3, 99, 4, 5, 6, 0};
  EXPECT_EQ(decoded(testing::encode_bmp(2, 1, {row32}, {.bpp = 32}), 1, 2, 3), (Bytes{3, 2, 1, 6, 5, 4}));
  // BI_BITFIELDS with R in the low byte.
  EXPECT_EQ(
      decoded(testing::encode_bmp(2, 1, {row32}, {.bpp = 32, .compression = 3, .masks = {0xFF, 0xFF00, 0xFF0000}}), 1,
              2, 3),
      (Bytes{1, 2, 3, 4, 5, 6}));
  // 16-bit 5-5-5 (BI_RGB) and 5-6-5 (BI_BITFIELDS): each channel v * 255 / max, rounded down.
  const uint16_t v555 = (31 << 10) | (16 << 5) | 1, v565 = (16 << 11) | (63 << 5) | 2;
  EXPECT_EQ(decoded(testing::encode_bmp(1, 1, {{v555 & 0xFF, v555 >> 8}}, {.bpp = 16}), 1, 1, 3),
            (Bytes{255, 16 * 255 / 31, 255 / 31}));
  EXPECT_EQ(decoded(testing::encode_bmp(1, 1, {{v565 & 0xFF, v565 >> 8}},
                                        {.bpp = 16, .compression = 3, .masks = {0xF800, 0x07E0, 0x001F}}),
                    1, 1, 3),
            (Bytes{16 * 255 / 31, 255, 2 * 255 / 31}));
}

TEST(ImageDecode, BmpPalettesOf1To8Bits) {
  const Bytes palette = {30, 20, 10, 0, 60, 50, 40, 0, 90, 80, 70, 0};  // BGRX: (10,20,30), (40,50,60), (70,80,90)
  const Bytes c0 = {10, 20, 30}, c1 = {40, 50, 60}, c2 = {70, 80, 90};
  auto cat = [](std::initializer_list<Bytes> parts) {
    Bytes b;
    for (const Bytes& p : parts) b.insert(b.end(), p.begin(), p.end());
    return b;
  };
  EXPECT_EQ(decoded(testing::encode_bmp(3, 2, {{0, 1, 2}, {2, 1, 0}}, {.bpp = 8, .palette_bgr = palette}), 2, 3, 3),
            cat({c0, c1, c2, c2, c1, c0}));
  EXPECT_EQ(
      decoded(testing::encode_bmp(3, 1, {{0x12, 0x00}}, {.bpp = 4, .top_down = true, .palette_bgr = palette}), 1, 3, 3),
      cat({c1, c2, c0}));
  // 1-bit, 10 wide: two bytes of bits per row, most significant first.
  const Bytes bw = {0, 0, 0, 0, 255, 255, 255, 0};
  const Bytes black = {0, 0, 0}, white = {255, 255, 255};
  EXPECT_EQ(decoded(testing::encode_bmp(10, 1, {{0b10100000, 0b01000000}}, {.bpp = 1, .palette_bgr = bw}), 1, 10, 3),
            cat({white, black, white, black, black, black, black, black, black, white}));
  // The OS/2 core header: 16-bit sizes and 3-byte palette entries.
  EXPECT_EQ(
      decoded(testing::encode_bmp(2, 1, {{2, 0}}, {.bpp = 8, .palette_bgr = palette, .core_header = true}), 1, 2, 3),
      cat({c2, c0}));
  // A palette shorter than the header says (0: all 256) ends where the pixels start.
  const DecodedImage d =
      decode(testing::encode_bmp(1, 1, {{3}}, {.bpp = 8, .palette_bgr = palette, .core_header = true}));
  EXPECT_EQ(d.outcome, DecodeOutcome::Corrupt);
  EXPECT_TRUE(contains(describe_failure(d), "pixel index 3 beyond the palette's 3 colours")) << describe_failure(d);
}

TEST(ImageDecode, BmpRefusesWhatItDoesNotReadByName) {
  auto problem = [](const Bytes& b) {
    const DecodedImage d = decode(b);
    EXPECT_EQ(d.outcome, DecodeOutcome::Unreadable) << describe_failure(d);
    return describe_failure(d);
  };
  EXPECT_TRUE(contains(problem(testing::encode_bmp(1, 1, {{0}}, {.bpp = 8, .compression = 1})), "RLE-compressed"));
  EXPECT_TRUE(contains(problem(testing::encode_bmp(1, 1, {{0}}, {.bpp = 2})), "2 bits per pixel"));
  EXPECT_TRUE(contains(problem(testing::encode_bmp(0, 1, {{}}, {})), "a 0 x 1 image"));
  EXPECT_TRUE(contains(problem(testing::encode_bmp(1, 1, {{0, 0, 0, 0}},
                                                   {.bpp = 32, .compression = 3, .masks = {0xF0F0, 0xFF00, 0xFF}})),
                       "not one run of bits"));
  // An index past the palette is corrupt data, not a colour to make up.
  const DecodedImage d = decode(testing::encode_bmp(1, 1, {{5}}, {.bpp = 8, .palette_bgr = {1, 2, 3, 0}}));
  EXPECT_EQ(d.outcome, DecodeOutcome::Corrupt);
  EXPECT_TRUE(contains(describe_failure(d), "pixel index 5 beyond the palette's 1 colours")) << describe_failure(d);
}

// ---- PNM ----

TEST(ImageDecode, PnmRawAndPlainOfEveryKind) {
  const Pixels rgb = testing::pattern(4, 3, 3), grey = testing::pattern(4, 3, 1);
  EXPECT_EQ(decoded(testing::encode_pnm(rgb), 3, 4, 3), rgb.data);
  EXPECT_EQ(decoded(testing::encode_pnm(grey), 3, 4, 1, PixelFormat::Grayscale), grey.data);
  // Plain, with comments anywhere whitespace may be.
  EXPECT_EQ(decoded(bytes_of("P3\n# made by hand\n2 1 # size\n255\n255 0 0   0 255 10\n"), 1, 2, 3),
            (Bytes{255, 0, 0, 0, 255, 10}));
  EXPECT_EQ(decoded(bytes_of("P2 3 1 255 0 17 255"), 1, 3, 1, PixelFormat::Grayscale), (Bytes{0, 17, 255}));
  // Bitmaps: 1 is black. Plain digits need no whitespace; raw rows are whole bytes.
  const Bytes bits = {0, 255, 0, 255, 0, 255};
  EXPECT_EQ(decoded(bytes_of("P1\n3 2\n101\n0 1 0\n"), 2, 3, 1, PixelFormat::Grayscale), bits);
  Bytes p4 = bytes_of("P4\n3 2\n");
  p4.insert(p4.end(), {0b10100000, 0b01000000});
  EXPECT_EQ(decoded(p4, 2, 3, 1, PixelFormat::Grayscale), bits);
}

// round(v * 255 / maxval) with ties to even, as Pillow scales: maxval 100: 30 -> 76.5 -> 76,
// 70 -> 178.5 -> 178, 10 -> 25.5 -> 26; maxval 1000 (two bytes per sample): 500 -> 127.5 -> 128,
// 996 -> 253.98 -> 254.
TEST(ImageDecode, PnmMaxvalsScaleAsPillowDoes) {
  EXPECT_EQ(decoded(bytes_of("P2 5 1 100 0 10 30 70 100"), 1, 5, 1, PixelFormat::Grayscale),
            (Bytes{0, 26, 76, 178, 255}));
  Bytes p5 = bytes_of("P5 4 1 1000\n");
  p5.insert(p5.end(), {0x00, 0x01, 0x01, 0xF4, 0x03, 0xE4, 0x03, 0xE8});  // 1, 500, 996, 1000
  EXPECT_EQ(decoded(p5, 1, 4, 1, PixelFormat::Grayscale), (Bytes{0, 128, 254, 255}));
  const DecodedImage over = decode(bytes_of("P2 2 1 100 50 101"));
  EXPECT_EQ(over.outcome, DecodeOutcome::Corrupt);
  EXPECT_TRUE(contains(describe_failure(over), "sample 101 over maxval 100")) << describe_failure(over);
  for (const char* bad : {"P6 2 2 0\n", "P6 2 2 70000\n", "P6 0 2 255\n", "P6 x 2 255\n", "P6 2 2 255"}) {
    const DecodedImage d = decode(bytes_of(bad));
    EXPECT_EQ(d.outcome, DecodeOutcome::Unreadable) << bad << ": " << describe_failure(d);
  }
}

// ---- JPEG ----

int max_difference(const Bytes& a, const Bytes& b) {
  EXPECT_EQ(a.size(), b.size());
  int worst = 0;
  for (size_t i = 0; i < std::min(a.size(), b.size()); ++i) worst = std::max(worst, std::abs(a[i] - b[i]));
  return worst;
}

TEST(ImageDecode, JpegGreyColourProgressiveAndCmyk) {
  const Pixels rgb = testing::smooth(48, 32, 3);
  EXPECT_LE(
      max_difference(decoded(testing::encode_jpeg(rgb, {.quality = 95, .full_chroma = true}), 32, 48, 3), rgb.data), 6);
  EXPECT_LE(
      max_difference(decoded(testing::encode_jpeg(rgb, {.quality = 95, .progressive = true}), 32, 48, 3), rgb.data),
      12);
  const Pixels grey = testing::smooth(48, 32, 1);
  EXPECT_LE(max_difference(decoded(testing::encode_jpeg(grey, {.quality = 95}), 32, 48, 1, PixelFormat::Grayscale),
                           grey.data),
            4);
  // CMYK, stored inverted (Adobe): a flat (C, M, Y, K) = (200, 100, 50, 230) as stored gives
  // R = 200 * 230 / 255 = 180.4, G = 90.2, B = 45.1 (Pillow's CMYK -> RGB).
  Pixels cmyk{16, 16, 4, Bytes(16 * 16 * 4)};
  for (size_t i = 0; i < cmyk.data.size(); i += 4)
    cmyk.data[i] = 200, cmyk.data[i + 1] = 100, cmyk.data[i + 2] = 50, cmyk.data[i + 3] = 230;
  const Bytes got = decoded(testing::encode_jpeg(cmyk, {.quality = 100}), 16, 16, 3);
  ASSERT_FALSE(got.empty());
  EXPECT_NEAR(got[0], 180, 2);
  EXPECT_NEAR(got[1], 90, 2);
  EXPECT_NEAR(got[2], 45, 2);
}

// ---- hostile streams, every format ----

struct Sample {
  const char* name;
  Bytes bytes;
};

std::vector<Sample> samples() {
  const Pixels rgb = testing::pattern(13, 7, 3);
  Bytes plain = bytes_of("P3 2 2 255 1 2 3 4 5 6 7 8 9 10 11 7\n");
  return {{"JPEG", testing::encode_jpeg(testing::smooth(13, 7, 3))},
          {"PNG", testing::encode_png(rgb)},
          {"BMP", testing::encode_bmp(rgb)},
          {"PNM", testing::encode_pnm(rgb)},
          {"PNM", plain}};
}

// A stream cut anywhere is refused as corrupt or truncated data of its format (or, cut inside
// the header, as unreadable). Two cuts cannot be seen: a BMP missing only its last row's
// padding (decoded: no pixel is missing), and a plain PNM cut inside its last number ("12" cut
// to "1" is a valid sample), which the test's plain stream avoids by ending in one digit.
TEST(ImageDecode, EveryFormatCutAtEveryLengthIsRefusedCleanly) {
  for (const Sample& s : samples()) {
    for (size_t keep = 0; keep < s.bytes.size(); ++keep) {
      const Bytes cut(s.bytes.begin(), s.bytes.begin() + keep);
      const DecodedImage d = decode(cut);
      const bool lost_padding_only = std::string(s.name) == "BMP" && keep >= s.bytes.size() - 1;
      if (lost_padding_only) continue;
      const bool lost_newline_only = s.bytes.back() == '\n' && keep + 1 == s.bytes.size();
      if (lost_newline_only) continue;
      ASSERT_FALSE(d.ok()) << s.name << " cut to " << keep << " of " << s.bytes.size() << " bytes decoded";
      const std::string m = describe_failure(d);
      EXPECT_FALSE(m.empty());
      if (keep > 64 && detect_image_format(cut) != ImageFormat::Unknown) {
        EXPECT_TRUE(contains(m, std::string("corrupt or truncated ") + s.name + " data")) << m;
      }
    }
  }
}

TEST(ImageDecode, FlippedBytesNeverCrashAndCorruptPngIsCaught) {
  std::mt19937 rng(13);
  for (const Sample& s : samples())
    for (int round = 0; round < 300; ++round) {
      Bytes b = s.bytes;
      for (int k = 0; k < 1 + round % 4; ++k) b[rng() % b.size()] ^= static_cast<uint8_t>(1 + rng() % 255);
      for (PixelFormat f : {PixelFormat::Rgb, PixelFormat::Grayscale}) {
        const DecodedImage d = decode(b, f);
        if (d.ok()) EXPECT_EQ(d.pixels.rank(), 3);
        else EXPECT_FALSE(describe_failure(d).empty());
      }
    }
  // A changed byte inside the IDAT chunk: zlib's check (or the chunk's CRC) fails.
  Bytes png = testing::encode_png(testing::pattern(8, 8, 3));
  const size_t idat = find(png, "IDAT");
  ASSERT_LT(idat + 10, png.size());
  png[idat + 10] ^= 0x55;
  const DecodedImage d = decode(png);
  EXPECT_EQ(d.outcome, DecodeOutcome::Corrupt);
  EXPECT_TRUE(contains(describe_failure(d), "corrupt or truncated PNG data (IDAT: ")) << describe_failure(d);
}

// Headers claiming more than the cap are refused before anything is allocated; every format.
TEST(ImageDecode, HeadersClaimingHugeImagesAreRefusedFirst) {
  auto png_claiming = [](uint32_t w, uint32_t h) {
    Bytes png = testing::encode_png(testing::pattern(2, 2, 3));
    for (int i = 0; i < 4; ++i)
      png[16 + i] = static_cast<uint8_t>(w >> (24 - 8 * i)), png[20 + i] = static_cast<uint8_t>(h >> (24 - 8 * i));
    const uint32_t crc = static_cast<uint32_t>(crc32(0, png.data() + 12, 17));  // "IHDR" + 13 bytes
    for (int i = 0; i < 4; ++i) png[29 + i] = static_cast<uint8_t>(crc >> (24 - 8 * i));
    return png;
  };
  Bytes bmp = testing::encode_bmp(testing::pattern(2, 2, 3));
  bmp[18] = 0xFF, bmp[19] = 0xFF, bmp[20] = 0xFF, bmp[21] = 0x00, bmp[22] = 0xFF, bmp[23] = 0xFF, bmp[24] = 0xFF;
  Bytes jpeg = testing::encode_jpeg(testing::smooth(16, 16, 3));
  const size_t sof = find(jpeg, "\xff\xc0");
  ASSERT_LT(sof + 8, jpeg.size());
  jpeg[sof + 5] = jpeg[sof + 7] = 0xFF, jpeg[sof + 6] = jpeg[sof + 8] = 0xDC;  // 65500 x 65500, libjpeg's most
  for (const Sample& s : std::vector<Sample>{{"PNG", png_claiming(65500, 65500)},
                                             {"BMP", bmp},
                                             {"JPEG", jpeg},
                                             {"PNM", bytes_of("P6 100000 100000 255\n")}}) {
    const DecodedImage d = decode(s.bytes);
    EXPECT_EQ(d.outcome, DecodeOutcome::TooLarge) << s.name << ": " << describe_failure(d);
    EXPECT_TRUE(contains(describe_failure(d), std::string("the ") + s.name + " header says"));
    EXPECT_TRUE(contains(describe_failure(d), "images over 100 megapixels are refused")) << describe_failure(d);
  }
  // The cap is the caller's: 4 pixels pass a cap of 4 and fail one of 3.
  const Bytes small = testing::encode_png(testing::pattern(2, 2, 3));
  EXPECT_TRUE(decode(small, PixelFormat::Rgb, 4).ok());
  EXPECT_EQ(decode(small, PixelFormat::Rgb, 3).outcome, DecodeOutcome::TooLarge);
}

}  // namespace
}  // namespace layerscope
