// The traits of OpDef (what an op is: position-wise, pure data movement, an activation a
// convolution or matmul can absorb, a fused op's core), which passes, kernels and findings read
// instead of lists of op names: each trait is held against the op's own definition.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <random>
#include <set>

#include "ops/fused/conv.h"
#include "ops/fused/reference.h"
#include "ops/fused/transformer.h"
#include "registry/registry.h"

namespace layerscope {
namespace {

const Registry& reg() { return Registry::builtin(); }

std::set<std::string> onnx_ops_with(bool (*has)(const OpDef&)) {
  std::set<std::string> out;
  for (const OpDef* d : reg().all_ops())
    if (d->domain.empty() && has(*d)) out.insert(d->op_type);
  return out;
}

TEST(OpTraits, PositionWiseOpsAreTheFloatArithmeticAndActivations) {
  const std::set<std::string> want = {"Abs",
                                      "Neg",
                                      "Floor",
                                      "Ceil",
                                      "Round",
                                      "Reciprocal",
                                      "Sqrt",
                                      "Exp",
                                      "Log",
                                      "Sin",
                                      "Cos",
                                      "Tan",
                                      "Asin",
                                      "Acos",
                                      "Atan",
                                      "Sinh",
                                      "Cosh",
                                      "Asinh",
                                      "Acosh",
                                      "Atanh",
                                      "Erf",
                                      "Sign",
                                      "Relu",
                                      "LeakyRelu",
                                      "Elu",
                                      "Selu",
                                      "Celu",
                                      "Sigmoid",
                                      "HardSigmoid",
                                      "HardSwish",
                                      "Softplus",
                                      "Softsign",
                                      "Tanh",
                                      "ThresholdedRelu",
                                      "Mish",
                                      "Gelu",
                                      "Clip",
                                      "Add",
                                      "Sub",
                                      "Mul",
                                      "Div",
                                      "Pow",
                                      "Mod",
                                      "Max",
                                      "Min",
                                      "Sum",
                                      "Mean",
                                      "QuantizeLinear",
                                      "DequantizeLinear",
                                      "Shrink"};
  EXPECT_EQ(onnx_ops_with([](const OpDef& d) { return d.position_wise; }), want);
  // The fused-domain Gelu is the ONNX one renamed: it passes layouts through too.
  EXPECT_TRUE(reg().find_op(kFusedDomain, "Gelu", 1)->position_wise);
}

// What the trait promises: the output has input 0's type and shape when every input has it
// (the quantization ops, which convert the type, are checked by tests/ops/quant_test.cpp).
TEST(OpTraits, PositionWiseOpsKeepTheirInputsTypeAndShape) {
  const Shape shape{2, 3, 4};
  for (const OpDef* d : reg().all_ops()) {
    if (!d->position_wise || d->domain != "") continue;
    if (d->op_type == "QuantizeLinear" || d->op_type == "DequantizeLinear") continue;
    SCOPED_TRACE(d->op_type + " opset " + std::to_string(d->since));
    Node n;
    n.name = "n";
    n.op_type = d->op_type;
    n.opset = d->since;
    const bool binary = std::set<std::string>{"Add", "Sub", "Mul", "Div", "Pow", "Mod"}.count(d->op_type) > 0;
    const int count = binary ? 2 : 1;
    std::vector<TensorInfo> in;
    for (int i = 0; i < count; ++i) {
      n.inputs.push_back(i);
      in.push_back({DType::F32, shape});
    }
    if (d->op_type == "Mod") n.attrs.set("fmod", int64_t{1});  // float Mod must be fmod
    n.outputs = {count};
    InferContext c(n, in, std::vector<const Tensor*>(count, nullptr));
    d->infer(c);
    EXPECT_EQ(c.outputs()[0].dtype, DType::F32);
    EXPECT_EQ(c.outputs()[0].shape, shape);
  }
}

TEST(OpTraits, DataMovementOps) {
  const std::set<std::string> want = {"Transpose",       "Reshape",
                                      "Resize",          "Upsample",
                                      "Concat",          "Slice",
                                      "Gather",          "GatherElements",
                                      "GatherND",        "Split",
                                      "Squeeze",         "Unsqueeze",
                                      "Flatten",         "Pad",
                                      "Expand",          "Tile",
                                      "Identity",        "Cast",
                                      "CastLike",        "DepthToSpace",
                                      "SpaceToDepth",    "ScatterND",
                                      "ScatterElements", "Scatter",
                                      "CenterCropPad",   "ReverseSequence"};
  EXPECT_EQ(onnx_ops_with([](const OpDef& d) { return d.data_movement; }), want);
  EXPECT_TRUE(reg().find_op(kFusedDomain, "Reorder", 1)->data_movement);
}

TEST(OpTraits, ActivationsAFusionCanAbsorb) {
  const std::set<std::string> want = {"Relu",     "LeakyRelu", "Elu",  "Sigmoid", "HardSigmoid", "HardSwish",
                                      "Softplus", "Tanh",      "Mish", "Gelu",    "Clip"};
  EXPECT_EQ(onnx_ops_with([](const OpDef& d) { return d.activation.has_value(); }), want);
}

// ---- every activation's post-ops compute what its reference kernel computes ----

std::vector<float> probe_values() {
  std::vector<float> v = {0.f, -0.f, 1e-3f, -1e-3f, 0.5f, -0.5f, 3.f, -3.f, 20.f, -20.f, INFINITY, -INFINITY};
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> u(-6.f, 6.f);
  for (int i = 0; i < 500; ++i) v.push_back(u(rng));
  return v;
}

// Non-default parameters worth trying besides the defaults (a new activation is tried with its
// defaults without an entry here).
std::vector<Attributes> parameter_sets(const std::string& op) {
  std::vector<Attributes> sets(1);
  Attributes a;
  if (op == "LeakyRelu") a.set("alpha", 0.2f);
  else if (op == "Elu") a.set("alpha", 0.7f);
  else if (op == "HardSigmoid") {
    a.set("alpha", 0.3f);
    a.set("beta", 0.4f);
  } else if (op == "Gelu") a.set("approximate", std::string("tanh"));
  else if (op == "Clip") {
    a.set("min", -0.5f);
    a.set("max", 0.75f);
  } else return sets;
  sets.push_back(a);
  return sets;
}

bool close(float got, float want) {
  if (std::isnan(want)) return std::isnan(got);
  if (std::isinf(want)) return got == want;
  return std::fabs(got - want) <= 2e-6f + 2e-6f * std::fabs(want);
}

TEST(OpTraits, EveryActivationsPostOpsComputeItsReference) {
  const std::vector<float> xs = probe_values();
  for (const OpDef* d : reg().all_ops()) {
    if (!d->activation || !d->domain.empty()) continue;
    for (const Attributes& params : parameter_sets(d->op_type)) {
      SCOPED_TRACE(d->op_type + " opset " + std::to_string(d->since) + (params.all().empty() ? "" : ", parameters"));
      Node n;
      n.name = "act";
      n.op_type = d->op_type;
      n.opset = d->since;
      n.inputs = {0};
      n.outputs = {1};
      Tensor x(DType::F32, {static_cast<int64_t>(xs.size())}), want(DType::F32, x.shape());
      std::copy(xs.begin(), xs.end(), x.data_as<float>());
      std::vector<const Tensor*> in = {&x};
      std::vector<Tensor> bounds;
      Attributes attrs = params;
      if (d->activation->attributes_of) {  // parameters as inputs (Clip 11+): constant scalars
        bounds.reserve(2);
        for (const char* name : {"min", "max"}) {
          if (!params.has(name)) continue;
          bounds.emplace_back(DType::F32, Shape{});
          *bounds.back().data_as<float>() = params.get_float(name, 0.f);
          n.inputs.push_back(static_cast<int>(n.inputs.size()));
          in.push_back(&bounds.back());
        }
        std::optional<Attributes> a = d->activation->attributes_of(n, in);
        ASSERT_TRUE(a.has_value());
        attrs = *a;
      } else {
        n.attrs = params;
      }
      Tensor* out[] = {&want};
      d->reference(n, in, out);
      std::vector<float> got = xs;
      apply_post_ops(d->activation->post_ops(attrs), got.data(), static_cast<int64_t>(got.size()));
      for (size_t i = 0; i < xs.size(); ++i)
        ASSERT_TRUE(close(got[i], want.data_as<float>()[i]))
            << "x = " << xs[i] << ": post-ops " << got[i] << ", reference " << want.data_as<float>()[i];
    }
  }
}

// A Clip whose bound is computed at run time is no post-op.
TEST(OpTraits, ClipWithARunTimeBoundCannotBeAbsorbed) {
  const OpDef* clip = reg().find_op("", "Clip", 13);
  Node n;
  n.op_type = "Clip";
  n.opset = 13;
  n.inputs = {0, 1, 2};
  Tensor lo(DType::F32, Shape{});
  *lo.data_as<float>() = 0.f;
  std::vector<const Tensor*> in = {nullptr, &lo, nullptr};
  EXPECT_FALSE(clip->activation->attributes_of(n, in).has_value());
  n.inputs = {0, 1, -1};  // the upper bound omitted: no bound
  std::optional<Attributes> a = clip->activation->attributes_of(n, in);
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->get_float("min", 1.f), 0.f);
  EXPECT_EQ(clip->activation->attributes_opset, 10);
}

// ---- the fused ops follow from the trait ----

TEST(OpTraits, EveryAbsorbableActivationHasItsFusedOps) {
  for (const fused_ref::AbsorbedActivation& a : fused_ref::absorbable_activations(reg())) {
    SCOPED_TRACE(a.op_type);
    for (bool residual : {false, true}) {
      const OpDef* conv = reg().find_op(kFusedDomain, fused_conv_op_type(residual, a.op_type), 1);
      ASSERT_NE(conv, nullptr);
      ASSERT_TRUE(conv->fusion.has_value());
      EXPECT_EQ(conv->fusion->core, "Conv");
      EXPECT_TRUE(conv->fusion->activation);
    }
    const OpDef* mm = reg().find_op(kFusedDomain, fused_linear_op_type(LinearBase::MatMulAdd, a.op_type), 1);
    ASSERT_NE(mm, nullptr);
    EXPECT_EQ(mm->fusion->core, "MatMul");
    // Gemm<Act> only when the activation's attributes are not named like Gemm's.
    bool collides = false;
    for (const AttrSpec& s : a.attributes) collides |= s.name == "alpha" || s.name == "beta";
    const OpDef* gemm = reg().find_op(kFusedDomain, fused_linear_op_type(LinearBase::Gemm, a.op_type), 1);
    EXPECT_EQ(gemm == nullptr, collides);
    // Every fused op has the kernels of its core op.
    EXPECT_FALSE(reg().kernels_for(kFusedDomain, fused_conv_op_type(true, a.op_type)).empty());
    EXPECT_FALSE(reg().kernels_for(kFusedDomain, fused_linear_op_type(LinearBase::MatMulAdd, a.op_type)).empty());
  }
  EXPECT_EQ(reg().find_op(kFusedDomain, "ConvAdd", 1)->fusion->core, "Conv");
  EXPECT_FALSE(reg().find_op(kFusedDomain, "ConvAdd", 1)->fusion->activation);
  EXPECT_NE(reg().find_op(kFusedDomain, fused_conv_op_type(false, kSwishActivation), 1), nullptr);
}

}  // namespace
}  // namespace layerscope

namespace layerscope {
namespace {

// OpDef::value_inputs: infer() may read only the values its op declares, and the planner's
// rule (needs_run_time_values) looks at those alone.
TEST(OpValueInputs, InferReadsOnlyDeclaredValues) {
  const OpDef* reshape = reg().find_op("", "Reshape", 14);
  EXPECT_EQ(reshape->value_inputs, std::vector<int>{1});
  Node n;
  n.name = "r";
  n.op_type = "Reshape";
  n.opset = 14;
  n.inputs = {0, 1};
  n.outputs = {2};
  Tensor shape(DType::I64, {1});
  *shape.data_as<int64_t>() = 6;
  const std::vector<TensorInfo> in = {{DType::F32, {2, 3}}, {DType::I64, {1}}};
  InferContext declared = infer_context(*reshape, n, in, {nullptr, &shape});
  reshape->infer(declared);
  EXPECT_EQ(declared.outputs()[0].shape, (Shape{6}));

  InferContext undeclared(n, in, {nullptr, &shape});  // as if the OpDef listed nothing
  try {
    reshape->infer(undeclared);
    ADD_FAILURE() << "an undeclared read must be refused";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("does not list in value_inputs"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(needs_run_time_values(*reshape, n, {nullptr, nullptr}));
  EXPECT_FALSE(needs_run_time_values(*reshape, n, {nullptr, &shape}));
  n.inputs = {0, -1};  // an omitted value input is not an unknown one
  EXPECT_FALSE(needs_run_time_values(*reshape, n, {nullptr, nullptr}));
}

}  // namespace
}  // namespace layerscope
