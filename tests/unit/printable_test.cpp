// ir/printable.h: names from files are escaped in every message and report.
#include "layerscope/printable.h"

#include <gtest/gtest.h>

#include "layerscope/profile.h"
#include "layerscope/session.h"
#include "onnx_builder.h"

namespace layerscope {
namespace {

using testing::TempDir;

void expect_error(const Status& st, const std::string& fragment) {
  ASSERT_FALSE(st) << "expected an error containing: " << fragment;
  EXPECT_NE(st.message().find(fragment), std::string::npos) << st.message();
}

Tensor floats(const std::vector<float>& v) {
  Tensor t(DType::F32, {static_cast<int64_t>(v.size())});
  std::copy(v.begin(), v.end(), t.data_as<float>());
  return t;
}

TEST(Printable, EscapesControlBytesAndInvalidUtf8Only) {
  EXPECT_EQ(printable("conv1/weight:0"), "conv1/weight:0");
  EXPECT_EQ(printable("\xe5\x8d\xb7\xe7\xa7\xaf \xc3\xa9"), "\xe5\x8d\xb7\xe7\xa7\xaf \xc3\xa9");  // valid UTF-8 stays
  EXPECT_EQ(printable("a\x1b[2Jb\n\t\x7f"), "a\\x1b[2Jb\\x0a\\x09\\x7f");
  EXPECT_EQ(printable("\xc2\x9b"
                      "31m"),
            "\\xc2\\x9b31m");                                                 // C1 CSI, UTF-8 encoded
  EXPECT_EQ(printable("\xff\xc3(\xe2\x82"), "\\xff\\xc3(\\xe2\\x82");         // invalid and cut sequences
  EXPECT_EQ(printable("\xc0\xaf\xed\xa0\x80"), "\\xc0\\xaf\\xed\\xa0\\x80");  // overlong, surrogate
  EXPECT_EQ(printable(std::string("a\0b", 3)), "a\\x00b");
  EXPECT_EQ(printable_message("line 1\n\tline 2 \x1b[0m"), "line 1\n\tline 2 \\x1b[0m");
}

// A model whose node and value names carry terminal escapes: every message and the report
// show them escaped.
TEST(Printable, CorruptNamesAreEscapedInErrorsAndReports) {
  TempDir dir;
  onnx::ModelProto m = testing::single_node_model("Relu", {4});
  m.mutable_graph()->mutable_node(0)->set_name("evil\x1b[31m\x07name");
  std::unique_ptr<Session> s;
  ASSERT_TRUE(Session::load(dir.write_model("m.onnx", m), {}, &s));
  std::vector<NamedTensor> out;
  Status st = s->run({{"x\x1b[2J", floats({1, 2, 3, 4})}}, &out);
  expect_error(st, "has no input named 'x\\x1b[2J'");
  EXPECT_EQ(st.message().find('\x1b'), std::string::npos);
  PerfReport r;
  ProfileOptions po;
  po.warmup = 0;
  po.runs = 1;
  ASSERT_TRUE(evaluate_performance(*s, {{"x", floats({1, 2, 3, 4})}}, po, Roofs{}, &r));
  ASSERT_EQ(r.layers.size(), 1u);
  EXPECT_EQ(r.layers[0].source_names, std::vector<std::string>{"evil\\x1b[31m\\x07name"});
  const std::string text = format_perf_text(r);
  EXPECT_NE(text.find("evil\\x1b[31m\\x07name"), std::string::npos);
  EXPECT_EQ(text.find('\x1b'), std::string::npos);

  m.mutable_graph()->mutable_node(0)->set_op_type("No\x1b[1mSuchOp");
  st = Session::load(dir.write_model("u.onnx", m), {}, &s);
  expect_error(st, "No\\x1b[1mSuchOp");
  EXPECT_EQ(st.message().find('\x1b'), std::string::npos);
}

}  // namespace
}  // namespace layerscope
