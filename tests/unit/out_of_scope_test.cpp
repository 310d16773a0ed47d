// Out-of-scope operators (ops/out_of_scope.h): each has a reason, none is registered, and
// loading a model with one fails with that reason.
#include "ops/out_of_scope.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "layerscope/session.h"
#include "onnx_builder.h"
#include "registry/registry.h"

namespace layerscope {
namespace {

TEST(OutOfScope, ListedOpsAreNotRegisteredAndHaveReasons) {
  for (const OutOfScopeOp& o : out_of_scope_ops()) {
    EXPECT_GT(std::string(o.reason).size(), 10u);
    if (!o.op_type) continue;
    EXPECT_TRUE(Registry::builtin().supported_opsets(o.domain, o.op_type).empty()) << o.op_type << " is registered";
  }
  EXPECT_EQ(out_of_scope_reason("ai.onnx.preview.training", "Adam"),
            "'Adam' is a training op (an optimizer update step); layerscope runs inference models");
  EXPECT_NE(out_of_scope_reason("ai.onnx", "StringSplit").find("layerscope has no string tensors"), std::string::npos);
  EXPECT_NE(out_of_scope_reason("ai.onnx.ml", "TreeEnsembleRegressor").find("classical machine-learning"),
            std::string::npos);
  EXPECT_EQ(out_of_scope_reason("", "Conv"), "");
  EXPECT_EQ(out_of_scope_reason("", "Adam"), "");  // the optimizer lives in the training domain only
}

TEST(OutOfScope, DocsTableNamesEveryEntry) {
  std::ifstream in(std::string(LAYERSCOPE_TEST_DIR) + "/../docs/ops.md");
  ASSERT_TRUE(in) << "docs/ops.md";
  std::stringstream doc;
  doc << in.rdbuf();
  for (const OutOfScopeOp& o : out_of_scope_ops())
    EXPECT_NE(doc.str().find(o.op_type ? o.op_type : o.domain), std::string::npos)
        << (o.op_type ? o.op_type : o.domain) << " is missing from docs/ops.md's out-of-scope table";
}

TEST(OutOfScope, LoadingSuchAModelGivesTheReason) {
  onnx::ModelProto m = testing::single_node_model("NegativeLogLikelihoodLoss", {2, 3});
  m.mutable_graph()->mutable_node(0)->add_input(std::string("target"));
  *m.mutable_graph()->add_input() = testing::tensor_info("target", onnx::TensorProto::INT64, {2});
  testing::TempDir dir;
  std::unique_ptr<Session> s;
  Status st = Session::load(dir.write_model("loss.onnx", m), {}, &s);
  ASSERT_FALSE(st);
  EXPECT_NE(st.message().find("node 'the_node': 'NegativeLogLikelihoodLoss' is a training op (a loss function"),
            std::string::npos)
      << st.message();
  EXPECT_NE(st.message().find("layerscope runs inference models"), std::string::npos);
}

}  // namespace
}  // namespace layerscope
