// Bad input never crashes: every failure is one clear message naming the file, node, op
// and what was expected. These tests also run under AddressSanitizer in CI.
#include <gtest/gtest.h>
#include <unistd.h>

#include "layerscope/session.h"
#include "onnx_builder.h"

namespace layerscope {
namespace {

using testing::single_node_model;
using testing::TempDir;

std::string load_error(const std::string& path) {
  std::unique_ptr<Session> s;
  Status st = Session::load(path, {}, &s);
  EXPECT_FALSE(st) << "expected loading '" << path << "' to fail";
  return st.message();
}

#define EXPECT_HAS(text, part) EXPECT_NE((text).find(part), std::string::npos) << (text)

TEST(Loader, MissingFile) {
  std::string m = load_error("/no/such/model.onnx");
  EXPECT_HAS(m, "/no/such/model.onnx");
  EXPECT_HAS(m, "does not exist");
}

TEST(Loader, EmptyAndGarbageFiles) {
  TempDir dir;
  EXPECT_HAS(load_error(dir.write("empty.onnx", "")), "empty");
  EXPECT_HAS(load_error(dir.write("garbage.onnx", std::string(1000, '\xff'))), "not a valid ONNX model");
}

TEST(Loader, TruncatedModelAtEveryLength) {
  // Cut a valid model at many lengths: each must fail cleanly or load; never crash.
  TempDir dir;
  onnx::ModelProto model = single_node_model("Relu", {1, 4});
  auto* init = model.mutable_graph()->add_initializer();
  init->set_name("w");
  init->set_data_type(onnx::TensorProto::FLOAT);
  init->add_dims(64);
  init->set_raw_data(std::string(256, '\0'));
  std::string bytes = model.SerializeAsString();
  for (size_t len = 0; len < bytes.size(); len += 7) {
    std::string path = dir.write("cut.onnx", bytes.substr(0, len));
    std::unique_ptr<Session> s;
    Status st = Session::load(path, {}, &s);
    if (!st) {
      EXPECT_HAS(st.message(), "cut.onnx");
    }
  }
}

TEST(Loader, UnsupportedIrVersion) {
  TempDir dir;
  onnx::ModelProto model = single_node_model("Relu", {1, 4});
  model.set_ir_version(2);
  std::string m = load_error(dir.write_model("old.onnx", model));
  EXPECT_HAS(m, "IR version 2");
}

TEST(Loader, UnknownOperatorIsNamed) {
  TempDir dir;
  onnx::ModelProto model = single_node_model("FrobnicateV2", {1, 4});
  std::string m = load_error(dir.write_model("unknown.onnx", model));
  EXPECT_HAS(m, "FrobnicateV2");
  EXPECT_HAS(m, "ai.onnx");
  EXPECT_HAS(m, "opset 17");
  EXPECT_HAS(m, "the_node");
}

TEST(Loader, UnknownDomainIsNamed) {
  TempDir dir;
  onnx::ModelProto model = single_node_model("Relu", {1, 4});
  model.mutable_graph()->mutable_node(0)->set_domain("com.example");
  auto* o = model.add_opset_import();
  o->set_domain("com.example");
  o->set_version(3);
  std::string m = load_error(dir.write_model("domain.onnx", model));
  EXPECT_HAS(m, "com.example");
  EXPECT_HAS(m, "opset 3");
}

onnx::ModelProto model_with_external(const std::string& location) {
  onnx::ModelProto model = single_node_model("Relu", {1, 4});
  auto* init = model.mutable_graph()->add_initializer();
  init->set_name("w");
  init->set_data_type(onnx::TensorProto::FLOAT);
  init->add_dims(4);
  init->set_data_location(onnx::TensorProto::EXTERNAL);
  auto* kv = init->add_external_data();
  kv->set_key("location");
  kv->set_value(location);
  return model;
}

TEST(Loader, ExternalDataEscapingTheFolderIsRefused) {
  TempDir dir;
  dir.write("secret.bin", std::string(16, '\1'));
  EXPECT_HAS(load_error(dir.write_model("m/abs.onnx", model_with_external((dir.path() / "secret.bin").string()))),
             "absolute");
  EXPECT_HAS(load_error(dir.write_model("m/up.onnx", model_with_external("../secret.bin"))), "escapes");
  // A symlink inside the folder pointing outside it is refused as well.
  std::filesystem::create_directories(dir.path() / "m");
  std::filesystem::create_symlink(dir.path() / "secret.bin", dir.path() / "m" / "link.bin");
  EXPECT_HAS(load_error(dir.write_model("m/link.onnx", model_with_external("link.bin"))), "outside");
}

TEST(Loader, ExternalDataMissingOrShort) {
  TempDir dir;
  EXPECT_HAS(load_error(dir.write_model("missing.onnx", model_with_external("weights.bin"))), "does not exist");
  dir.write("short.bin", std::string(8, '\0'));
  EXPECT_HAS(load_error(dir.write_model("short.onnx", model_with_external("short.bin"))), "need 16");
}

TEST(Loader, ExternalDataIsRead) {
  TempDir dir;
  float w[4] = {1, 2, 3, 4};
  dir.write("w.bin", std::string(reinterpret_cast<char*>(w), sizeof w));
  onnx::ModelProto model = model_with_external("w.bin");
  // y = x + w, so the external values show in the output.
  auto* n = model.mutable_graph()->mutable_node(0);
  n->set_op_type("Add");
  n->add_input("w");
  std::unique_ptr<Session> s;
  Status st = Session::load(dir.write_model("ok.onnx", model), {}, &s);
  ASSERT_TRUE(st) << st.message();
  std::vector<NamedTensor> out;
  st = s->run({{"x", Tensor(DType::F32, {1, 4})}}, &out);
  ASSERT_TRUE(st) << st.message();
  EXPECT_FLOAT_EQ(out[0].tensor.data_as<float>()[3], 4.f);
}

class InputErrors : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_.write_model("relu.onnx", single_node_model("Relu", {1, 3, -1}));
    Status st = Session::load(path_, {}, &session_);
    ASSERT_TRUE(st) << st.message();
  }
  std::string run_error(std::vector<NamedTensor> inputs) {
    std::vector<NamedTensor> out;
    Status st = session_->run(inputs, &out);
    EXPECT_FALSE(st);
    return st.message();
  }
  TempDir dir_;
  std::string path_;
  std::unique_ptr<Session> session_;
};

TEST_F(InputErrors, WrongName) {
  std::string m = run_error({{"image", Tensor(DType::F32, {1, 3, 5})}});
  EXPECT_HAS(m, "no input named 'image'");
  EXPECT_HAS(m, "x FLOAT (1,3,N)");
}

TEST_F(InputErrors, WrongDtype) { EXPECT_HAS(run_error({{"x", Tensor(DType::I64, {1, 3, 5})}}), "INT64"); }

TEST_F(InputErrors, WrongShape) {
  EXPECT_HAS(run_error({{"x", Tensor(DType::F32, {1, 4, 5})}}), "(1,4,5)");
  EXPECT_HAS(run_error({{"x", Tensor(DType::F32, {1, 3})}}), "(1,3)");
}

TEST_F(InputErrors, Missing) { EXPECT_HAS(run_error({}), "'x' FLOAT (1,3,N) is missing"); }

TEST_F(InputErrors, SymbolicDimsBindAndRebind) {
  for (int64_t n : {5, 9, 5}) {
    std::vector<NamedTensor> out;
    Status st = session_->run({{"x", Tensor(DType::F32, {1, 3, n})}}, &out);
    ASSERT_TRUE(st) << st.message();
    EXPECT_EQ(out[0].tensor.shape(), (Shape{1, 3, n}));
  }
}

}  // namespace
}  // namespace layerscope
