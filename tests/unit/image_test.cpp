// load_jpeg and load_image against hostile files: a header claiming a huge image, truncated and corrupt data.
// The JPEGs are encoded with libjpeg from a known gradient (common/image_samples.h), then damaged.
#include "layerscope/image.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>

#include "common/image_samples.h"
#include "onnx_builder.h"

namespace layerscope {
namespace {

using testing::TempDir;

// A width x height RGB JPEG of a smooth gradient, quality 90, in memory.
std::string encode_jpeg(int width, int height) {
  const testing::Bytes jpeg = testing::encode_jpeg(testing::smooth(width, height, 3));
  return std::string(jpeg.begin(), jpeg.end());
}

// Rewrites the frame header's (SOF0) height and width.
std::string with_claimed_size(std::string jpeg, int width, int height) {
  const size_t sof = jpeg.find("\xff\xc0");
  EXPECT_NE(sof, std::string::npos);
  jpeg[sof + 5] = static_cast<char>(height >> 8);
  jpeg[sof + 6] = static_cast<char>(height & 0xFF);
  jpeg[sof + 7] = static_cast<char>(width >> 8);
  jpeg[sof + 8] = static_cast<char>(width & 0xFF);
  return jpeg;
}

TEST(Image, DecodesAnIntactJpeg) {
  TempDir tmp;
  Tensor img;
  Status st = load_jpeg(tmp.write("ok.jpg", encode_jpeg(64, 48)), &img);
  ASSERT_TRUE(st) << st.message();
  EXPECT_EQ(img.shape(), (Shape{48, 64, 3}));
  // The gradient survives the compression closely: left to right in red.
  const uint8_t* p = img.data_as<uint8_t>();
  EXPECT_LT(std::abs(p[(24 * 64 + 0) * 3] - 0), 8);
  EXPECT_LT(std::abs(p[(24 * 64 + 63) * 3] - 251), 8);
}

// load_image reads every format the decoder knows by its bytes, whatever the file is called,
// and gives the same RGB pixels as the lossless encodings hold.
TEST(Image, LoadImageDecodesPngAndBmpByTheirBytes) {
  TempDir tmp;
  const testing::Pixels px = testing::pattern(13, 9, 3);
  const testing::Bytes png = testing::encode_png(px), bmp = testing::encode_bmp(px);
  for (const auto& [name, bytes] :
       {std::pair{"a.png", png}, std::pair{"b.bmp", bmp}, std::pair{"png_named.jpg", png}}) {
    Tensor img;
    Status st = load_image(tmp.write(name, std::string(bytes.begin(), bytes.end())), &img);
    ASSERT_TRUE(st) << name << ": " << st.message();
    ASSERT_EQ(img.shape(), (Shape{9, 13, 3})) << name;
    for (int y = 0; y < 9; ++y)
      for (int x = 0; x < 13; ++x)
        for (int c = 0; c < 3; ++c)
          ASSERT_EQ(img.data_as<uint8_t>()[(y * 13 + x) * 3 + c], px.at(x, y, c)) << name << " " << x << "," << y;
  }
  Tensor jpg;  // a JPEG goes through load_jpeg's streaming decoder
  ASSERT_TRUE(load_image(tmp.write("c.jpg", encode_jpeg(64, 48)), &jpg));
  EXPECT_EQ(jpg.shape(), (Shape{48, 64, 3}));
}

TEST(Image, LoadImageNamesTheFileAndWhatItIs) {
  TempDir tmp;
  Tensor img;
  Status st = load_image(tmp.write("scan.tif", std::string("II*\0\x08\0\0\0", 8)), &img);
  ASSERT_FALSE(st);
  EXPECT_NE(st.message().find("scan.tif"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("it is a TIFF image"), std::string::npos) << st.message();
  st = load_image(tmp.write("notes.png", "hello, not an image"), &img);
  ASSERT_FALSE(st);
  EXPECT_NE(st.message().find("notes.png"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("signature of no image format"), std::string::npos) << st.message();
  const testing::Bytes png = testing::encode_png(testing::pattern(32, 32, 3));
  st = load_image(tmp.write("cut.png", std::string(png.begin(), png.begin() + png.size() / 2)), &img);
  ASSERT_FALSE(st);
  EXPECT_NE(st.message().find("cut.png"), std::string::npos) << st.message();
  st = load_image((tmp.path() / "missing.png").string(), &img);
  ASSERT_FALSE(st);
  EXPECT_NE(st.message().find("missing.png"), std::string::npos) << st.message();
}

// A 69 KB-class file whose header claims 65500 x 65500 used to allocate 12.9 GB; it is refused
// from the header, before decompressing.
TEST(Image, HeaderClaimingMoreThanTheCapIsRefusedBeforeDecoding) {
  TempDir tmp;
  const std::string path = tmp.write("huge.jpg", with_claimed_size(encode_jpeg(64, 48), 65500, 65500));
  Tensor img;
  Status st = load_jpeg(path, &img);
  ASSERT_FALSE(st);
  EXPECT_NE(st.message().find(path), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("65500 x 65500 pixels (4290 megapixels)"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("over 100 megapixels are refused"), std::string::npos) << st.message();
  EXPECT_TRUE(img.empty());
  // Just over the cap (10001 x 10000) is refused, just under (10000 x 10000) is not refused for
  // its size: it fails instead on the data, which is far too short for it.
  st = load_jpeg(tmp.write("over.jpg", with_claimed_size(encode_jpeg(64, 48), 10001, 10000)), &img);
  EXPECT_NE(st.message().find("megapixels are refused"), std::string::npos) << st.message();
  st = load_jpeg(tmp.write("at.jpg", with_claimed_size(encode_jpeg(64, 48), 10000, 10000)), &img);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.message().find("megapixels are refused"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("corrupt or truncated JPEG data"), std::string::npos) << st.message();
}

TEST(Image, TruncatedOrCorruptDataIsAnErrorNamingTheFile) {
  TempDir tmp;
  const std::string good = encode_jpeg(64, 48);
  Tensor img;
  for (size_t keep : {good.size() / 2, good.size() - 2}) {  // cut in the scan; cut before EOI
    const std::string path = tmp.write("cut.jpg", good.substr(0, keep));
    Status st = load_jpeg(path, &img);
    ASSERT_FALSE(st) << "accepted a JPEG cut at " << keep << " of " << good.size() << " bytes";
    EXPECT_NE(st.message().find(path), std::string::npos) << st.message();
    EXPECT_NE(st.message().find("corrupt or truncated JPEG data (Premature end of JPEG file)"), std::string::npos)
        << st.message();
  }
  // Garbage in the middle of the entropy-coded data: libjpeg warns ("Corrupt JPEG data").
  std::string corrupt = good;
  const size_t sos = corrupt.find("\xff\xda");
  for (size_t i = sos + 40; i < sos + 60; ++i) corrupt[i] = '\xff';
  Status st = load_jpeg(tmp.write("corrupt.jpg", corrupt), &img);
  ASSERT_FALSE(st);
  EXPECT_NE(st.message().find("corrupt.jpg"), std::string::npos) << st.message();
  // Not a JPEG at all, and a missing file.
  st = load_jpeg(tmp.write("text.jpg", "hello"), &img);
  EXPECT_NE(st.message().find("is not a readable JPEG image"), std::string::npos) << st.message();
  st = load_jpeg((tmp.path() / "missing.jpg").string(), &img);
  EXPECT_NE(st.message().find("No such file"), std::string::npos) << st.message();
}

TEST(Image, MeanAndStdMustBeFiniteAndStdNonZero) {
  Tensor img(DType::U8, {2, 2, 3});
  ValueDesc in;
  in.name = "image";
  in.dtype = DType::F32;
  in.shape = {1, 3, 2, 2};
  in.has_shape = true;
  Tensor out;
  for (float bad : {NAN, INFINITY, 0.f}) {
    ImagePreprocess cfg;
    cfg.std = {1.f, bad, 1.f};
    Status st = preprocess_image(img, in, cfg, &out);
    EXPECT_FALSE(st) << bad;
    EXPECT_NE(st.message().find("std values must be finite and non-zero"), std::string::npos) << st.message();
  }
  ImagePreprocess cfg;
  cfg.mean = {NAN, 0.f, 0.f};
  Status st = preprocess_image(img, in, cfg, &out);
  EXPECT_NE(st.message().find("mean values must be finite"), std::string::npos) << st.message();
}

}  // namespace
}  // namespace layerscope
