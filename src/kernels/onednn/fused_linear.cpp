// oneDNN kernels of the fused transformer ops (ops/fused/transformer.h):
//   MatMulAdd[Act], Gemm<Act>: one dnnl::matmul with the bias as the primitive's bias and the
//     activation as an eltwise post-op, so both are applied to each output block while it is
//     still in registers. The weights (times Gemm's alpha) are packed once into the layout the
//     implementation prefers, the bias (times Gemm's beta, broadcast to N) is held once.
//   LayerNorm: the LayerNormalization kernels, which read the same inputs and attributes.
#include "kernels/kernel_alias.h"
#include "kernels/onednn/onednn_common.h"
#include "ops/fused/transformer.h"

namespace layerscope {
namespace {

using namespace onednn;

struct LinearBuild {
  dnnl::matmul::primitive_desc pd;
  dnnl::memory::desc a_md, w_md, bias_md, y_md;  // bias_md empty when there is no bias
  int64_t M = 0, K = 0, N = 0;
  float alpha = 1.f, beta = 1.f;
  int bias_input = -1;
};

// The activation's eltwise post-op (Relu: onednn::append_relu).
dnnl::algorithm eltwise_of(const LinearEpilogue& e) {
  switch (e.activation) {
    case Activation::Gelu: return e.gelu_tanh ? dnnl::algorithm::eltwise_gelu_tanh : dnnl::algorithm::eltwise_gelu_erf;
    case Activation::Sigmoid: return dnnl::algorithm::eltwise_logistic;
    case Activation::Tanh: return dnnl::algorithm::eltwise_tanh;
    default: break;
  }
  fail("no eltwise post-op for activation ", activation_name(e.activation));
}

// Geometry of act(A' x W' * alpha + beta * bias); throws when the node is outside what the
// kernel handles (non-constant weights or bias, an [M, N] bias, ...).
LinearBuild build_linear(const KernelSetup& s) {
  std::optional<LinearEpilogue> e = linear_epilogue(s.node);
  LS_CHECK(e.has_value(), "not a fused linear node");
  LinearBuild b;
  const Shape& a = s.inputs[0].shape;
  const Shape& w = s.inputs[1].shape;
  LS_CHECK(s.constants[1] != nullptr && w.size() == 2, "weights must be a constant matrix");
  if (e->base == LinearBase::MatMulAdd) {
    LS_CHECK(a.size() >= 2, "A must have rank >= 2");
    b.K = w[0];
    b.N = w[1];
    b.M = shape_numel(a) / b.K;
    b.a_md = plain_md({b.M, b.K});
    b.w_md = plain_md({b.K, b.N});
    b.bias_input = 2;
  } else {
    LS_CHECK(a.size() == 2, "Gemm A must be a matrix");
    const bool ta = s.node.attrs.get_int("transA", 0) != 0, tb = s.node.attrs.get_int("transB", 0) != 0;
    b.M = ta ? a[1] : a[0];
    b.K = ta ? a[0] : a[1];
    b.N = tb ? w[0] : w[1];
    b.a_md = strided_md({b.M, b.K}, ta ? dims{1, b.M} : dims{b.K, 1});
    b.w_md = strided_md({b.K, b.N}, tb ? dims{1, b.K} : dims{b.N, 1});
    b.alpha = s.node.attrs.get_float("alpha", 1.f);
    b.beta = s.node.attrs.get_float("beta", 1.f);
    if (has_input(s, 2)) b.bias_input = 2;
  }
  if (b.bias_input >= 0) {
    const Tensor* c = s.constants[b.bias_input];
    LS_CHECK(c != nullptr && (c->numel() == b.N || c->numel() == 1), "bias must be a constant of N or 1 values");
    b.bias_md = plain_md({1, b.N});
  }
  b.y_md = plain_md({b.M, b.N});
  dnnl::primitive_attr attr = base_attr();
  if (e->activation != Activation::None) {
    dnnl::post_ops po;
    if (e->activation == Activation::Relu) append_relu(po);
    else po.append_eltwise(1.f, eltwise_of(*e), 0.f, 0.f);
    attr.set_post_ops(po);
  }
  const dnnl::memory::desc w_any({b.K, b.N}, dnnl::memory::data_type::f32, dnnl::memory::format_tag::any);
  b.pd = dnnl::matmul::primitive_desc(dnnl::matmul::desc(b.a_md, w_any, b.bias_md, b.y_md), attr, engine());
  require_optimized(b.pd);
  return b;
}

bool linear_supported(const KernelSetup& s) {
  if (s.inputs.size() < 2 || !inputs_f32(s, {0, 1, 2}) || !outputs_f32(s) || any_empty(s)) return false;
  return succeeds([&] { build_linear(s); });
}

class LinearKernel : public OnednnKernel {
 public:
  void prepare(const KernelSetup& s) override {
    ThreadScope threads(s.threads);
    LinearBuild b = build_linear(s);
    runner_.init(dnnl::matmul(b.pd), b.pd);
    runner_.bind(DNNL_ARG_SRC, b.a_md);
    runner_.bind(DNNL_ARG_DST, b.y_md);
    Tensor w = *s.constants[1];
    if (b.alpha != 1.f) {
      w = w.clone();
      for (int64_t i = 0; i < w.numel(); ++i) w.data_as<float>()[i] *= b.alpha;
    }
    runner_.bind_owned(DNNL_ARG_WEIGHTS, reorder_to(b.w_md, w.data(), b.pd.weights_desc()));
    packed_bytes_ += b.pd.weights_desc().get_size();
    mark_packed(1);
    if (b.bias_input >= 0) {
      dnnl::memory bias(b.bias_md, engine());
      const Tensor& c = *s.constants[b.bias_input];
      float* dst = static_cast<float*>(bias.get_data_handle());
      for (int64_t n = 0; n < b.N; ++n) dst[n] = b.beta * c.data_as<float>()[c.numel() == 1 ? 0 : n];
      runner_.bind_owned(DNNL_ARG_BIAS, bias);
      packed_bytes_ += b.bias_md.get_size();
      mark_packed(b.bias_input);
    }
  }

  void execute(std::span<const Tensor* const> in, std::span<Tensor* const> out, void* scratch) override {
    runner_.set(DNNL_ARG_SRC, in[0]->data());
    runner_.set(DNNL_ARG_DST, out[0]->data());
    runner_.run(scratch);
  }
};

void add_linear_kernel(KernelRegistry& r, const std::string& op_type) {
  KernelDef d;
  d.op_type = op_type;
  d.domain = kFusedDomain;
  d.name = "onednn:matmul";
  d.priority = 100;
  d.supports = linear_supported;
  d.create = [] { return std::make_unique<LinearKernel>(); };
  r.add_kernel(std::move(d));
}

}  // namespace

void register_onednn_fused_transformer(KernelRegistry& r) {
  add_linear_kernel(r, fused_linear_op_type(LinearBase::MatMulAdd, Activation::None));
  for (Activation a : kLinearActivations)
    for (LinearBase base : {LinearBase::MatMulAdd, LinearBase::Gemm}) add_linear_kernel(r, fused_linear_op_type(base, a));
  alias_kernels(r, {"", "LayerNormalization"}, {kFusedDomain, "LayerNorm"});
}

}  // namespace layerscope
