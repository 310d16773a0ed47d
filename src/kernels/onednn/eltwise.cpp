// onednn:eltwise: a standalone activation (any op with the activation trait, OpDef::activation:
// LeakyRelu, Elu, HardSigmoid, HardSwish, Softplus, Mish, ...) that no convolution or matmul
// absorbed, run as oneDNN eltwise primitives (dnnl::eltwise_forward, forward_inference) over
// the tensor as one flat float32 array. The op's post-op steps (ops/post_op.h) are the same
// ones a fused convolution applies, so nothing here names an op: the first step reads x and
// writes y, the others run in place on y (oneDNN 2.6's eltwise takes no eltwise post-ops).
// Ops that already have a kernel (native:unary's Relu, Sigmoid, Tanh, Gelu; native:clip) are
// left to it; the priority is below the native kernels' all the same.
// A Relu step without slope becomes clip_v2 to [0, +inf), as in post_ops.cpp, so that
// Relu(-inf) = 0 as ONNX says.
#include <limits>
#include <map>
#include <optional>

#include "kernels/onednn/onednn_common.h"
#include "kernels/onednn/post_ops.h"
#include "ops/op_registry.h"

namespace layerscope {
namespace {

using namespace onednn;

// Below the native kernels (priority 10): only activations they do not implement come here.
constexpr int kPriority = 5;

// The activation trait of each opset range of one op.
struct TraitRange {
  int since, until;
  ActivationTrait trait;
};

// The node's steps, or nullopt (no trait at its opset, or parameters known only at run time).
std::optional<PostOps> steps_of(const std::vector<TraitRange>& ranges, const KernelSetup& s) {
  for (const TraitRange& r : ranges) {
    if (s.node.opset < r.since || s.node.opset > r.until) continue;
    if (!r.trait.attributes_of) return r.trait.post_ops(s.node.attrs);
    std::optional<Attributes> a = r.trait.attributes_of(s.node, s.constants);
    if (!a) return std::nullopt;
    return r.trait.post_ops(*a);
  }
  return std::nullopt;
}

dnnl::eltwise_forward::primitive_desc step_pd(const EltwiseStep& step, const dnnl::memory::desc& md) {
  dnnl::algorithm alg = to_dnnl(step.algorithm);
  float alpha = step.alpha, beta = step.beta;
  if (step.algorithm == Eltwise::Relu && alpha == 0.f) {
    alg = dnnl::algorithm::eltwise_clip_v2;
    beta = std::numeric_limits<float>::infinity();
  }
  dnnl::eltwise_forward::desc d(dnnl::prop_kind::forward_inference, alg, md, alpha, beta);
  dnnl::eltwise_forward::primitive_desc pd(d, base_attr(), engine());
  require_optimized(pd);
  return pd;
}

// The tensor as one flat array: position-wise, so any shape (a scalar included) will do.
dnnl::memory::desc flat_md(const KernelSetup& s) {
  return plain_md({std::max<int64_t>(1, shape_numel(s.inputs[0].shape))});
}

bool eltwise_supported(const std::vector<TraitRange>& ranges, const KernelSetup& s) {
  if (s.inputs.empty() || !inputs_f32(s, {0}) || !outputs_f32(s) || any_empty(s)) return false;
  if (s.outputs[0].shape != s.inputs[0].shape) return false;
  std::optional<PostOps> steps = steps_of(ranges, s);
  if (!steps || steps->empty()) return false;
  return succeeds([&] {
    for (const EltwiseStep& st : *steps) step_pd(st, flat_md(s));
  });
}

class EltwiseKernel final : public Kernel {
 public:
  explicit EltwiseKernel(std::vector<TraitRange> ranges) : ranges_(std::move(ranges)) {}
  std::string name() const override { return name_; }
  size_t scratch_bytes() const override { return scratch_; }

  void prepare(const KernelSetup& s) override {
    ThreadScope threads(s.threads);
    std::optional<PostOps> steps = steps_of(ranges_, s);
    if (!steps) fail(Graph::describe(s.node), ": no eltwise steps for this node");
    const dnnl::memory::desc md = flat_md(s);
    runners_.clear();
    runners_.reserve(steps->size());
    name_.clear();
    for (const EltwiseStep& st : *steps) {
      auto pd = step_pd(st, md);
      runners_.emplace_back();
      runners_.back().init(dnnl::eltwise_forward(pd), pd);
      runners_.back().bind(DNNL_ARG_SRC, md);
      runners_.back().bind(DNNL_ARG_DST, md);
      scratch_ = std::max(scratch_, runners_.back().scratch_bytes());
      if (name_.empty()) name_ = runners_.back().name();
    }
    if (runners_.size() > 1) name_ += "+" + std::to_string(runners_.size() - 1);
  }

  // Each element is read before it is written, and only there: y may be x's buffer.
  OutputSharing output_sharing() const override { return {OutputSharing::Mode::InPlace, {0}, true}; }

  void execute(std::span<const Tensor* const> in, std::span<Tensor* const> out, void* scratch) override {
    for (size_t i = 0; i < runners_.size(); ++i) {
      runners_[i].set(DNNL_ARG_SRC, i == 0 ? in[0]->data() : out[0]->data());
      runners_[i].set(DNNL_ARG_DST, out[0]->data());
      runners_[i].run(scratch);
    }
  }

 private:
  std::vector<TraitRange> ranges_;
  std::vector<Runner> runners_;
  std::string name_;
  size_t scratch_ = 0;
};

}  // namespace

void register_onednn_eltwise(KernelRegistry& r, const OpRegistry& ops) {
  std::map<std::string, std::vector<TraitRange>> by_op;
  for (const OpDef* def : ops.all_ops())
    if (def->domain.empty() && def->activation)
      by_op[def->op_type].push_back({def->since, def->until, *def->activation});
  for (const auto& entry : by_op) {
    // Named copies, not structured bindings: lambdas may not capture those before clang 16.
    const std::string& op = entry.first;
    const std::vector<TraitRange> ranges = entry.second;
    // An op with a kernel of its own (native:unary's Relu, Sigmoid, Tanh, Gelu; native:clip),
    // registered before this one, keeps it.
    if (!r.kernels_for("", op).empty()) continue;
    KernelDef d = onednn::kernel_def(
        op, "eltwise", [ranges](const KernelSetup& s) { return eltwise_supported(ranges, s); },
        [ranges] { return std::make_unique<EltwiseKernel>(ranges); });
    d.priority = kPriority;
    r.add_kernel(std::move(d));
  }
}

}  // namespace layerscope
