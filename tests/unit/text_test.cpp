// The shared text helpers (src/util/text.h) that every report spells its figures, shapes and
// layer names with: exact outputs, and no length limit on formatted text.
#include "util/text.h"

#include <gtest/gtest.h>

#include <string>

namespace layerscope {
namespace {

TEST(Text, FmtFormatsAsPrintf) {
  EXPECT_EQ(fmt("%.2f%% of %s", 12.345, "the time"), "12.35% of the time");
  EXPECT_EQ(fmt("%+.1f", -0.04), "-0.0");
  EXPECT_EQ(fmt("%zu layer%s", size_t{3}, "s"), "3 layers");
  EXPECT_EQ(fmt("%s", ""), "");
}

TEST(Text, FmtHasNoLengthLimit) {
  // Around the internal first-pass buffer (256 bytes) and far beyond the old fixed buffers
  // (256, 512, 1024 bytes): every byte comes back, the last one included.
  for (size_t n : {254u, 255u, 256u, 257u, 511u, 512u, 1024u, 5000u}) {
    SCOPED_TRACE(n);
    const std::string path = "/" + std::string(n - 6, 'p') + ".onnx";
    const std::string text = fmt("Model: %s|", path.c_str());
    EXPECT_EQ(text.size(), 7 + n + 1);
    EXPECT_EQ(text, "Model: " + path + "|");
  }
}

TEST(Text, ShapeSpellings) {
  EXPECT_EQ(shape_text({1, 3, 224, 224}), "(1,3,224,224)");
  EXPECT_EQ(shape_text({}), "()");
  EXPECT_EQ(shapes_text({{1, 3, 480, 640}, {384, 3, 14, 14}, {384}}), "(1,3,480,640),(384,3,14,14),(384)");
  EXPECT_EQ(shapes_text({{}}), "()");
  EXPECT_EQ(shapes_text({}), "\\");
  EXPECT_EQ(shape_token({1, 3, 224, 224}), "1x3x224x224");
  EXPECT_EQ(shape_token({7}), "7");
  EXPECT_EQ(shape_token({}), "scalar");
}

TEST(Text, ShapesWithinAColumnAreCutAtWholeShapes) {
  const std::vector<std::vector<int64_t>> shapes = {{1, 3, 480, 640}, {384, 3, 14, 14}, {384}};
  // 33 characters: the whole list fits a column of 34 or more (the text stays shorter than it).
  EXPECT_EQ(shapes_text_within(shapes, 41), "(1,3,480,640),(384,3,14,14),(384)");
  EXPECT_EQ(shapes_text_within(shapes, 34), "(1,3,480,640),(384,3,14,14),(384)");
  EXPECT_EQ(shapes_text_within(shapes, 33), "(1,3,480,640),(384,3,14,14),...");
  // A shape that is not the last needs room for the ",..." that may follow it.
  EXPECT_EQ(shapes_text_within(shapes, 31), "(1,3,480,640),...");
  // The first shape alone is too long: cut inside it.
  EXPECT_EQ(shapes_text_within({{1, 1531, 384}, {384}}, 12), "(1,1531...");
  EXPECT_EQ(shapes_text_within({}, 23), "\\");
  for (size_t width : {10u, 16u, 23u, 30u, 41u}) EXPECT_LT(shapes_text_within(shapes, width).size(), width) << width;
}

TEST(Text, LayerNames) {
  EXPECT_EQ(fused_names_text({"conv1", "relu_1"}), "conv1+relu_1");
  EXPECT_EQ(fused_names_text({"conv1"}), "conv1");
  EXPECT_EQ(fused_names_text({}), "");
  EXPECT_EQ(layer_full_name("Conv", {"conv1", "relu_1"}), "Conv:conv1+relu_1");
  EXPECT_EQ(layer_full_name("Add", {}), "Add:");
}

TEST(Text, PerThreadColumns) {
  EXPECT_EQ(per_thread_text({40, 30.5}, "%.2f"), "40.00/30.50");
  EXPECT_EQ(per_thread_text({60, 40}, "%.1f%%"), "60.0%/40.0%");
  EXPECT_EQ(per_thread_text({}, "%.2f"), "\\");
  EXPECT_EQ(per_thread_heading("WorkLoad", 3), "WorkLoad(0/1/2)");
  EXPECT_EQ(per_thread_heading("WorkLoad", 0), "WorkLoad()");
}

TEST(Text, PaddedCells) {
  EXPECT_EQ(padded("ID", 5), "ID   ");
  EXPECT_EQ(padded("", 3), "   ");
  EXPECT_EQ(padded("Conv", 5), "Conv ");
  EXPECT_EQ(padded("Conv", 4), "Conv ");  // as long as the column: still one space after
  EXPECT_EQ(padded("LayerNormalization", 5), "LayerNormalization ");
}

TEST(Text, WordWrapping) {
  EXPECT_EQ(word_wrapped("one two three", 20, "", "  "), "one two three\n");
  EXPECT_EQ(word_wrapped("one two three four", 9, "", "  "), "one two\n  three\n  four\n");
  EXPECT_EQ(word_wrapped("one two three", 9, "> ", "> "), "> one two\n> three\n");
  // A word longer than the line stands alone, uncut.
  EXPECT_EQ(word_wrapped("a /very/long/path.onnx b", 10, "", " "), "a\n /very/long/path.onnx\n b\n");
  const std::string text = word_wrapped("Note: the ranges of A and B do not overlap at all here", 16, "", "      ");
  EXPECT_EQ(text, "Note: the ranges\n      of A and B\n      do not\n      overlap at\n      all here\n");
}

TEST(Text, ByteCounts) {
  EXPECT_EQ(bytes_text(512), "512 B");
  EXPECT_EQ(bytes_text(3 * 1024), "3.00 KiB");
  EXPECT_EQ(bytes_text(12.25 * 1024 * 1024), "12.25 MiB");
  EXPECT_EQ(bytes_text(1.5 * 1024 * 1024 * 1024), "1.50 GiB");
  EXPECT_EQ(bytes_text(2.0 * 1024 * 1024 * 1024 * 1024), "2.00 TiB");
}

}  // namespace
}  // namespace layerscope
