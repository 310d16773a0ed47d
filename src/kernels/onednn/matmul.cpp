// MatMul via dnnl::matmul. Batch dims broadcast as numpy does (oneDNN matmul broadcasts size-1
// batch dims of either operand); when B is one shared matrix, A's batch is folded into M so
// the product is one [batch*M, K] x [K, N] GEMM. A constant B is reordered once into the
// layout the implementation prefers.
#include "kernels/onednn/matmul_dims.h"
#include "kernels/onednn/onednn_common.h"

namespace layerscope {
namespace {

using namespace onednn;

struct MatMulBuild {
  dnnl::matmul::primitive_desc pd;
  dnnl::memory::desc a_md, b_md, c_md;  // user (row-major) layouts
  bool b_const = false;
};

MatMulBuild build_matmul(const KernelSetup& s) {
  MatMulShape ms = matmul_shape(s.node, s.inputs[0].shape, s.inputs[1].shape);
  MatMulBuild b;
  const MatMulDims md = matmul_dims(ms);
  const dims &a = md.a, &w = md.b, &c = md.c;
  b.a_md = plain_md(a);
  b.b_md = plain_md(w);
  b.c_md = plain_md(c);
  b.b_const = s.constants[1] != nullptr;
  dnnl::memory::desc wei =
      b.b_const ? dnnl::memory::desc(w, dnnl::memory::data_type::f32, dnnl::memory::format_tag::any) : b.b_md;
  b.pd = dnnl::matmul::primitive_desc(dnnl::matmul::desc(b.a_md, wei, b.c_md), base_attr(), engine());
  require_optimized(b.pd);
  return b;
}

bool matmul_supported(const KernelSetup& s) {
  if (s.inputs.size() != 2 || !inputs_f32(s, {0, 1}) || !outputs_f32(s) || any_empty(s)) return false;
  return succeeds([&] { build_matmul(s); });
}

class MatMulKernel : public OnednnKernel {
 public:
  void prepare(const KernelSetup& s) override {
    ThreadScope threads(s.threads);
    MatMulBuild b = build_matmul(s);
    b_const_ = b.b_const;
    runner_.init(dnnl::matmul(b.pd), b.pd);
    runner_.bind(DNNL_ARG_SRC, b.a_md);
    runner_.bind(DNNL_ARG_DST, b.c_md);
    if (b_const_) {
      dnnl::memory packed = reorder_to(b.b_md, s.constants[1]->data(), b.pd.weights_desc());
      packed_bytes_ = b.pd.weights_desc().get_size();
      mark_packed(1);
      runner_.bind_owned(DNNL_ARG_WEIGHTS, packed);
    } else {
      runner_.bind(DNNL_ARG_WEIGHTS, b.b_md);
    }
  }

  void execute(std::span<const Tensor* const> in, std::span<Tensor* const> out, void* scratch) override {
    runner_.set(DNNL_ARG_SRC, in[0]->data());
    if (!b_const_) runner_.set(DNNL_ARG_WEIGHTS, in[1]->data());
    runner_.set(DNNL_ARG_DST, out[0]->data());
    runner_.run(scratch);
  }

 private:
  bool b_const_ = false;
};

}  // namespace

void register_onednn_matmul(KernelRegistry& r) {
  onednn::add_kernel(r, "MatMul", "matmul", matmul_supported, [] { return std::make_unique<MatMulKernel>(); });
}

}  // namespace layerscope
