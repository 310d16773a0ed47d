// oneDNN kernels of the fused transformer ops (ops/fused/transformer.h):
//   MatMulAdd[Act], Gemm<Act>: one dnnl::matmul with the bias as the primitive's bias and the
//     activation as an eltwise post-op, so both are applied to each output block while it is
//     still in registers. The weights (times Gemm's alpha) are packed once into the layout the
//     implementation prefers, the bias (times Gemm's beta, broadcast to N) is held once.
//   LayerNorm: the LayerNormalization kernels, which read the same inputs and attributes.
#include "kernels/kernel_alias.h"
#include "kernels/onednn/onednn_common.h"
#include "kernels/onednn/post_ops.h"
#include "ops/fused/transformer.h"
#include "ops/op_registry.h"

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

// Geometry of act(A' x W' * alpha + beta * bias); throws when the node is outside what the
// kernel handles (non-constant weights or bias, an [M, N] bias, ...).
// `fusion`: the fused op's trait (core "MatMul" for MatMulAdd*, "Gemm" for Gemm<Act>).
LinearBuild build_linear(const KernelSetup& s, const FusionTrait& fusion) {
  LinearBuild b;
  const Shape& a = s.inputs[0].shape;
  const Shape& w = s.inputs[1].shape;
  LS_CHECK(s.constants[1] != nullptr && w.size() == 2, "weights must be a constant matrix");
  if (fusion.core == "MatMul") {
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
  if (fusion.activation) {
    dnnl::post_ops po;
    append_post_ops(po, fusion.activation(s.node.attrs));
    attr.set_post_ops(po);
  }
  const dnnl::memory::desc w_any({b.K, b.N}, dnnl::memory::data_type::f32, dnnl::memory::format_tag::any);
  b.pd = dnnl::matmul::primitive_desc(dnnl::matmul::desc(b.a_md, w_any, b.bias_md, b.y_md), attr, engine());
  require_optimized(b.pd);
  return b;
}

bool linear_supported(const KernelSetup& s, const FusionTrait& fusion) {
  if (s.inputs.size() < 2 || !inputs_f32(s, {0, 1, 2}) || !outputs_f32(s) || any_empty(s)) return false;
  return succeeds([&] { build_linear(s, fusion); });
}

class LinearKernel : public OnednnKernel {
 public:
  explicit LinearKernel(FusionTrait fusion) : fusion_(std::move(fusion)) {}
  void prepare(const KernelSetup& s) override {
    ThreadScope threads(s.threads);
    LinearBuild b = build_linear(s, fusion_);
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

 private:
  FusionTrait fusion_;
};

void add_linear_kernel(KernelRegistry& r, const OpDef& def) {
  KernelDef d;
  d.op_type = def.op_type;
  d.domain = def.domain;
  d.name = "onednn:matmul";
  d.priority = 100;
  d.supports = [fusion = *def.fusion](const KernelSetup& s) { return linear_supported(s, fusion); };
  d.create = [fusion = *def.fusion] { return std::make_unique<LinearKernel>(fusion); };
  r.add_kernel(std::move(d));
}

}  // namespace

// Every fused op whose core is MatMul or Gemm (ops/fused/transformer.h), whatever its activation.
void register_onednn_fused_transformer(KernelRegistry& r, const OpRegistry& ops) {
  for (const OpDef* def : ops.all_ops())
    if (def->fusion && (def->fusion->core == "MatMul" || def->fusion->core == "Gemm")) add_linear_kernel(r, *def);
  alias_kernels(r, {"", "LayerNormalization"}, {kFusedDomain, "LayerNorm"});
}

}  // namespace layerscope
