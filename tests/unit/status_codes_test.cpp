// Every failure carries a StatusCode a program can branch on; the message stays the full story.
#include <gtest/gtest.h>

#include "layerscope/runtime.h"
#include "layerscope/session.h"
#include "onnx_builder.h"

namespace layerscope {
namespace {

using testing::single_node_model;
using testing::TempDir;

Status load(const std::string& path, uint64_t max_memory = 0) {
  std::unique_ptr<Session> s;
  SessionOptions o;
  o.max_memory_bytes = max_memory;
  return Session::load(path, o, &s);
}

TEST(StatusCodes, OkIsOk) {
  EXPECT_EQ(Status::ok().code(), StatusCode::kOk);
  EXPECT_TRUE(Status::ok());
  EXPECT_EQ(Status::error("x").code(), StatusCode::kInvalidInput);
  EXPECT_EQ(Status::error("x", StatusCode::kOk).code(), StatusCode::kInternal);  // an error is never ok
  EXPECT_STREQ(status_code_name(StatusCode::kResourceExhausted), "resource exhausted");
}

TEST(StatusCodes, EachKindOfFailureHasItsCode) {
  TempDir dir;
  EXPECT_EQ(load("/no/such/model.onnx").code(), StatusCode::kIoError);
  EXPECT_EQ(load(dir.write("garbage.onnx", std::string(100, '\xff'))).code(), StatusCode::kInvalidInput);
  EXPECT_EQ(load(dir.write_model("op.onnx", single_node_model("NoSuchOp", {1, 4}))).code(), StatusCode::kUnsupported);
  onnx::ModelProto old = single_node_model("Relu", {1, 4});
  old.set_ir_version(2);
  EXPECT_EQ(load(dir.write_model("old.onnx", old)).code(), StatusCode::kUnsupported);
  const std::string relu = dir.write_model("relu.onnx", single_node_model("Relu", {256, 1024}));
  EXPECT_EQ(load(relu, 1024).code(), StatusCode::kResourceExhausted);
  EXPECT_TRUE(load(relu));

  Runtime rt;
  std::vector<Tensor> out;
  Status st = rt.inference({}, &out);
  EXPECT_EQ(st.code(), StatusCode::kFailedPrecondition) << st.message();
  EXPECT_NE(st.message().find("inference(): no model loaded; call load() first"), std::string::npos) << st.message();
  st = rt.load("/no/such/model.onnx");
  EXPECT_EQ(st.code(), StatusCode::kIoError) << st.message();  // the code survives the call prefix
}

}  // namespace
}  // namespace layerscope
