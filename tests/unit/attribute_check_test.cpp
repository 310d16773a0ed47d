// Attributes a node's OpDef does not declare, or declares with another type, are refused with
// the file, node, op, opset and attribute named (OpDef::attributes, Registry::attribute_problem),
// at load time for models and again after the passes for the nodes they rewrite. Before, a
// misspelt 'pads' ran as an unpadded convolution and 'alpha' on Relu was ignored.
#include <gtest/gtest.h>

#include "layerscope/session.h"
#include "onnx_builder.h"
#include "registry/registry.h"
#include "runtime/plan_inference.h"

namespace layerscope {
namespace {

using testing::TempDir;
using testing::tensor_info;

// x [1, 2, 3, 3] -> Conv(W = ones [1, 2, 2, 2]) -> y, opset 17; `set_attrs` adds attributes.
template <typename F>
onnx::ModelProto conv_model(F set_attrs) {
  onnx::ModelProto m;
  m.set_ir_version(8);
  m.add_opset_import()->set_version(17);
  auto* g = m.mutable_graph();
  g->set_name("conv");
  auto* w = g->add_initializer();
  w->set_name("w");
  w->set_data_type(onnx::TensorProto::FLOAT);
  for (int64_t d : {1, 2, 2, 2}) w->add_dims(d);
  for (int i = 0; i < 8; ++i) w->add_float_data(1.f);
  auto* n = g->add_node();
  n->set_op_type("Conv");
  n->set_name("conv1");
  n->add_input("x");
  n->add_input("w");
  n->add_output("y");
  set_attrs(*n);
  *g->add_input() = tensor_info("x", onnx::TensorProto::FLOAT, {1, 2, 3, 3});
  *g->add_output() = tensor_info("y", onnx::TensorProto::FLOAT, {});
  g->mutable_output(0)->mutable_type()->mutable_tensor_type()->clear_shape();
  return m;
}

onnx::AttributeProto* add_attr(onnx::NodeProto& n, const char* name, onnx::AttributeProto::AttributeType type) {
  auto* a = n.add_attribute();
  a->set_name(name);
  a->set_type(type);
  return a;
}

void add_ints(onnx::NodeProto& n, const char* name, std::vector<int64_t> v) {
  auto* a = add_attr(n, name, onnx::AttributeProto::INTS);
  for (int64_t x : v) a->add_ints(x);
}

std::string load_error(const std::string& path) {
  std::unique_ptr<Session> s;
  Status st = Session::load(path, {}, &s);
  EXPECT_FALSE(st) << "expected loading '" << path << "' to fail";
  return st.message();
}

TEST(AttributeCheck, MisspeltConvPadsIsRefusedNamingWhatConvAccepts) {
  TempDir dir;
  const std::string path = dir.write_model("padz.onnx", conv_model([](onnx::NodeProto& n) {
                                             add_ints(n, "padz", {1, 1, 1, 1});
                                           }));
  EXPECT_EQ(load_error(path), "'" + path +
                                  "': 'Conv' node 'conv1' (opset 17): unknown attribute 'padz'; Conv accepts auto_pad, "
                                  "dilations, group, kernel_shape, pads, strides");
}

TEST(AttributeCheck, WrongTypeIsRefused) {
  TempDir dir;
  const std::string scalar = dir.write_model("float_pads.onnx", conv_model([](onnx::NodeProto& n) {
                                               add_attr(n, "pads", onnx::AttributeProto::FLOAT)->set_f(1.f);
                                             }));
  EXPECT_EQ(load_error(scalar),
            "'" + scalar + "': 'Conv' node 'conv1' (opset 17): attribute 'pads' is FLOAT, expected INTS");
  const std::string list =
      dir.write_model("group_list.onnx", conv_model([](onnx::NodeProto& n) { add_ints(n, "group", {1}); }));
  EXPECT_EQ(load_error(list),
            "'" + list + "': 'Conv' node 'conv1' (opset 17): attribute 'group' is INTS, expected INT");
}

TEST(AttributeCheck, ReluAlphaIsRefused) {
  TempDir dir;
  onnx::ModelProto m = testing::single_node_model("Relu", {1, 3});
  add_attr(*m.mutable_graph()->mutable_node(0), "alpha", onnx::AttributeProto::FLOAT)->set_f(0.5f);
  const std::string path = dir.write_model("relu_alpha.onnx", m);
  EXPECT_EQ(load_error(path),
            "'" + path + "': 'Relu' node 'the_node' (opset 17): unknown attribute 'alpha'; Relu accepts no attributes");
}

TEST(AttributeCheck, ModelsWithDynamicShapesAreCheckedAtLoadToo) {
  // A symbolic input dim defers planning to the first run; the attributes are checked at load.
  TempDir dir;
  onnx::ModelProto m = testing::single_node_model("Relu", {-1, 3});
  add_attr(*m.mutable_graph()->mutable_node(0), "alpha", onnx::AttributeProto::FLOAT)->set_f(0.5f);
  EXPECT_NE(load_error(dir.write_model("relu_alpha_dyn.onnx", m)).find("unknown attribute 'alpha'"), std::string::npos);
}

TEST(AttributeCheck, AttributeOfALaterOpsetSaysWhereItBelongs) {
  // Resize's antialias exists from opset 18: at 13 it is refused, not silently ignored.
  TempDir dir;
  onnx::ModelProto m = testing::single_node_model("Resize", {1, 1, 2, 2}, 13);
  auto* n = m.mutable_graph()->mutable_node(0);
  add_attr(*n, "antialias", onnx::AttributeProto::INT)->set_i(1);
  n->add_input("");
  auto* scales = m.mutable_graph()->add_initializer();
  scales->set_name("scales");
  scales->set_data_type(onnx::TensorProto::FLOAT);
  scales->add_dims(4);
  for (float s : {1.f, 1.f, 2.f, 2.f}) scales->add_float_data(s);
  n->add_input("scales");
  EXPECT_NE(load_error(dir.write_model("antialias13.onnx", m))
                .find("'Resize' node 'the_node' (opset 13): unknown attribute 'antialias' (accepted in opsets 18 and "
                      "later); Resize accepts coordinate_transformation_mode, cubic_coeff_a, exclude_outside, "
                      "extrapolation_value, mode, nearest_mode"),
            std::string::npos);
}

TEST(AttributeCheck, ValidAttributesStillRun) {
  // pads and strides declared and honoured: ones (1, 2, 3, 3) * ones (1, 2, 2, 2), padded by 1
  // and stride 2 -> (1, 1, 2, 2): each output's window covers 1 input pixel per channel at the
  // corners (2 channels: 2), the interior windows more.
  TempDir dir;
  const std::string path = dir.write_model("conv_ok.onnx", conv_model([](onnx::NodeProto& n) {
                                             add_ints(n, "pads", {1, 1, 1, 1});
                                             add_ints(n, "strides", {2, 2});
                                             add_ints(n, "kernel_shape", {2, 2});
                                             add_attr(n, "auto_pad", onnx::AttributeProto::STRING)->set_s("NOTSET");
                                             add_attr(n, "group", onnx::AttributeProto::INT)->set_i(1);
                                           }));
  std::unique_ptr<Session> s;
  Status st = Session::load(path, {}, &s);
  ASSERT_TRUE(st) << st.message();
  Tensor x(DType::F32, {1, 2, 3, 3});
  for (int64_t i = 0; i < x.numel(); ++i) x.data_as<float>()[i] = 1.f;
  std::vector<NamedTensor> out;
  st = s->run({{"x", x}}, &out);
  ASSERT_TRUE(st) << st.message();
  ASSERT_EQ(out[0].tensor.shape(), (Shape{1, 1, 2, 2}));
  // Output (i, j) reads rows 2i-1..2i and cols 2j-1..2j of the input: 1 or 2 of each in range.
  const float* y = out[0].tensor.data_as<float>();
  EXPECT_FLOAT_EQ(y[0], 2.f);  // rows {0}, cols {0}: 1 pixel x 2 channels
  EXPECT_FLOAT_EQ(y[1], 4.f);  // rows {0}, cols {1, 2}
  EXPECT_FLOAT_EQ(y[2], 4.f);
  EXPECT_FLOAT_EQ(y[3], 8.f);  // rows {1, 2}, cols {1, 2}
}

TEST(AttributeCheck, TransposeWithARepeatedAxisIsRefused) {
  // perm (0, 0, 1, 2) is not a permutation: refused, not run as an identity.
  TempDir dir;
  onnx::ModelProto m = testing::single_node_model("Transpose", {1, 3, 4, 5});
  add_ints(*m.mutable_graph()->mutable_node(0), "perm", {0, 0, 1, 2});
  EXPECT_NE(load_error(dir.write_model("transpose.onnx", m))
                .find("'Transpose' node 'the_node' (opset 17): 'perm' (0,0,1,2) is not a permutation of 0..3"),
            std::string::npos);
}

// What a graph pass would leave if it set an attribute its fused op does not declare: the
// inference run after the passes refuses it (the planner calls infer_and_fold again then).
TEST(AttributeCheck, FusedNodeWithAnUndeclaredAttributeIsRefusedAfterThePasses) {
  Graph g;
  g.model_path = "fused.onnx";
  const int x = g.add_value("x"), w = g.add_value("w"), y = g.add_value("y");
  g.values[x].dtype = DType::F32;
  g.inputs = {x};
  Tensor wt(DType::F32, {1, 1, 1, 1});
  *wt.data_as<float>() = 1.f;
  g.values[w].constant = wt;
  g.values[w].dtype = DType::F32;
  Node n;
  n.name = "conv1";
  n.op_type = "ConvRelu";
  n.domain = kFusedDomain;
  n.opset = 1;
  n.inputs = {x, w};
  n.outputs = {y};
  n.attrs.set("alpha", 0.1f);  // LeakyRelu's, not Relu's
  g.nodes.push_back(n);
  g.outputs = {y};
  InputBinding binding{{"x", TensorInfo{DType::F32, {1, 1, 2, 2}}}};
  std::vector<std::string> folded;
  const MemoryBudget budget = memory_budget(0);
  try {
    infer_and_fold(g, binding, Registry::builtin(), folded, budget);
    ADD_FAILURE() << "expected the undeclared attribute to be refused";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()),
              "'fused.onnx': 'ConvRelu' node 'conv1' (domain layerscope) (opset 1): unknown attribute 'alpha'; "
              "ConvRelu accepts auto_pad, dilations, group, kernel_shape, pads, strides");
  }
  g.nodes[0].op_type = "ConvLeakyRelu";  // the same attribute on the op that declares it is fine
  EXPECT_NO_THROW(infer_and_fold(g, binding, Registry::builtin(), folded, budget));
}

TEST(AttributeCheck, EveryOpDeclaresEachAttributeOncePerOpset) {
  // Two specs of one name may not overlap (Cast's 'to' is STRING in 1-5, INT from 6).
  for (const OpDef* d : Registry::builtin().all_ops()) {
    for (const AttrSpec& a : d->attributes) {
      EXPECT_LE(a.since, a.until) << d->op_type << " " << a.name;
      for (const AttrSpec& b : d->attributes) {
        if (&a != &b && a.name == b.name) {
          EXPECT_TRUE(a.until < b.since || b.until < a.since) << d->op_type << " declares " << a.name << " twice";
        }
      }
    }
  }
}

}  // namespace
}  // namespace layerscope
