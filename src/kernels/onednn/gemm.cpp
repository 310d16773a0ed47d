// Gemm (opset >= 7): Y = alpha * A' * B' + beta * C via dnnl::matmul.
//   transA/transB: the operands are described with swapped strides, no copies.
//   alpha: folded into the packed weights when B is constant, else an output scale.
//   C:     as the matmul bias (dims {1|M, 1|N}) when that is exact — i.e. alpha is not applied
//          to it (B constant, or alpha == 1) and beta is folded (C constant) or 1; otherwise
//          Y is pre-filled with broadcast C and a sum post-op adds beta * Y after alpha * A'B'.
#include <omp.h>

#include "kernels/onednn/onednn_common.h"

namespace layerscope {
namespace {

using namespace onednn;

enum class CMode { None, Bias, Sum };

struct GemmBuild {
  dnnl::matmul::primitive_desc pd;
  dnnl::memory::desc a_md, b_md, y_md, c_md;
  int64_t M = 0, K = 0, N = 0, cM = 1, cN = 1;
  float alpha = 1.f, beta = 1.f;
  bool b_const = false, c_const = false;
  CMode c_mode = CMode::None;
};

// Geometry and attributes; false when the shapes are outside what this kernel handles.
bool gemm_geometry(const KernelSetup& s, GemmBuild& g) {
  if (s.node.opset < 7) return false;  // opset 6 and older have the 'broadcast' attribute
  const Shape& a = s.inputs[0].shape;
  const Shape& b = s.inputs[1].shape;
  if (a.size() != 2 || b.size() != 2) return false;
  const bool ta = s.node.attrs.get_int("transA", 0) != 0, tb = s.node.attrs.get_int("transB", 0) != 0;
  g.M = ta ? a[1] : a[0];
  g.K = ta ? a[0] : a[1];
  g.N = tb ? b[0] : b[1];
  if ((tb ? b[1] : b[0]) != g.K) return false;
  g.alpha = s.node.attrs.get_float("alpha", 1.f);
  g.beta = s.node.attrs.get_float("beta", 1.f);
  g.a_md = strided_md({g.M, g.K}, ta ? dims{1, g.M} : dims{g.K, 1});
  g.b_md = strided_md({g.K, g.N}, tb ? dims{1, g.K} : dims{g.N, 1});
  g.y_md = plain_md({g.M, g.N});
  g.b_const = s.constants[1] != nullptr;
  if (has_input(s, 2) && g.beta != 0.f) {
    const Shape& c = s.inputs[2].shape;
    if (c.size() > 2) return false;
    g.cM = c.size() == 2 ? c[0] : 1;
    g.cN = c.empty() ? 1 : c.back();
    if ((g.cM != 1 && g.cM != g.M) || (g.cN != 1 && g.cN != g.N)) return false;
    g.c_md = plain_md({g.cM, g.cN});
    g.c_const = s.constants[2] != nullptr;
  }
  return true;
}

void build_pd(GemmBuild& g, CMode mode) {
  g.c_mode = mode;
  dnnl::primitive_attr attr = base_attr();
  if (!g.b_const && g.alpha != 1.f) attr.set_output_scales(0, {g.alpha});
  if (mode == CMode::Sum) {
    dnnl::post_ops po;
    po.append_sum(g.beta);
    attr.set_post_ops(po);
  }
  dnnl::memory::desc wei =
      g.b_const ? dnnl::memory::desc({g.K, g.N}, dnnl::memory::data_type::f32, dnnl::memory::format_tag::any) : g.b_md;
  dnnl::memory::desc bias = mode == CMode::Bias ? g.c_md : dnnl::memory::desc();
  g.pd = dnnl::matmul::primitive_desc(dnnl::matmul::desc(g.a_md, wei, bias, g.y_md), attr, engine());
  require_optimized(g.pd);
}

// Throws dnnl::error when no implementation exists.
GemmBuild build_gemm(const KernelSetup& s) {
  GemmBuild g;
  if (!gemm_geometry(s, g)) fail("Gemm shapes not handled by the oneDNN kernel");
  if (g.c_md.is_zero()) {
    build_pd(g, CMode::None);
    return g;
  }
  const bool bias_exact = (g.b_const || g.alpha == 1.f) && (g.c_const || g.beta == 1.f);
  if (bias_exact && succeeds([&] { build_pd(g, CMode::Bias); })) return g;
  build_pd(g, CMode::Sum);
  return g;
}

bool gemm_supported(const KernelSetup& s) {
  if (s.inputs.size() < 2 || !inputs_f32(s, {0, 1, 2}) || !outputs_f32(s) || any_empty(s)) return false;
  return succeeds([&] { build_gemm(s); });
}

class GemmKernel : public OnednnKernel {
 public:
  void prepare(const KernelSetup& s) override {
    ThreadScope threads(s.threads);
    g_ = build_gemm(s);
    runner_.init(dnnl::matmul(g_.pd), g_.pd);
    runner_.bind(DNNL_ARG_SRC, g_.a_md);
    runner_.bind(DNNL_ARG_DST, g_.y_md);
    if (g_.b_const) {
      // alpha * B, then into the implementation's preferred layout.
      const Tensor& b = *s.constants[1];
      Tensor scaled = b;
      if (g_.alpha != 1.f) {
        scaled = b.clone();
        float* p = scaled.data_as<float>();
        for (int64_t i = 0; i < scaled.numel(); ++i) p[i] *= g_.alpha;
      }
      runner_.bind_owned(DNNL_ARG_WEIGHTS, reorder_to(g_.b_md, scaled.data(), g_.pd.weights_desc()));
      packed_bytes_ += g_.pd.weights_desc().get_size();
      mark_packed(1);
    } else {
      runner_.bind(DNNL_ARG_WEIGHTS, g_.b_md);
    }
    if (g_.c_mode == CMode::Bias) {
      if (g_.c_const) {
        dnnl::memory bias(g_.c_md, engine());
        const float* c = s.constants[2]->data_as<float>();
        float* dst = static_cast<float*>(bias.get_data_handle());
        for (int64_t i = 0; i < g_.cM * g_.cN; ++i) dst[i] = g_.beta * c[i];
        runner_.bind_owned(DNNL_ARG_BIAS, bias);
        packed_bytes_ += g_.c_md.get_size();
        mark_packed(2);
      } else {
        runner_.bind(DNNL_ARG_BIAS, g_.c_md);
      }
    }
  }

  void execute(std::span<const Tensor* const> in, std::span<Tensor* const> out, void* scratch) override {
    float* y = out[0]->data_as<float>();
    runner_.set(DNNL_ARG_SRC, in[0]->data());
    if (!g_.b_const) runner_.set(DNNL_ARG_WEIGHTS, in[1]->data());
    if (g_.c_mode == CMode::Bias && !g_.c_const) runner_.set(DNNL_ARG_BIAS, in[2]->data());
    if (g_.c_mode == CMode::Sum) prefill(in[2]->data_as<float>(), y);
    runner_.set(DNNL_ARG_DST, y);
    runner_.run(scratch);
  }

 private:
  // Y = broadcast(C), the operand of the sum post-op.
  void prefill(const float* c, float* y) const {
    if (c == y) return;  // C's buffer reused for Y with the same shape: already in place
    const int64_t M = g_.M, N = g_.N, cM = g_.cM, cN = g_.cN;
#pragma omp parallel for if (M * N > 16384)
    for (int64_t m = 0; m < M; ++m) {
      const float* row = c + (cM == 1 ? 0 : m) * cN;
      float* dst = y + m * N;
      if (cN == 1)
        for (int64_t n = 0; n < N; ++n) dst[n] = row[0];
      else
        for (int64_t n = 0; n < N; ++n) dst[n] = row[n];
    }
  }

  GemmBuild g_;
};

}  // namespace

void register_onednn_gemm(KernelRegistry& r) {
  onednn::add_kernel(r, "Gemm", "gemm", gemm_supported, [] { return std::make_unique<GemmKernel>(); });
}

}  // namespace layerscope
