// Softmax / LogSoftmax via dnnl::softmax_v2_forward (softmax_accurate / softmax_log).
//   opset >= 13: normalizes along the single dim `axis` (default -1) of X as is;
//   opset <  13: X is coerced to 2-D [prod(shape[:axis]), prod(shape[axis:])] (default axis 1)
//                and normalized along the second dim, i.e. over the flattened inner block.
#include "kernels/onednn/onednn_common.h"

namespace layerscope {
namespace {

using namespace onednn;

struct SoftmaxBuild {
  dnnl::softmax_v2_forward::primitive_desc pd;
  dnnl::memory::desc md;
};

SoftmaxBuild build_softmax(const KernelSetup& s, bool log) {
  const Shape& x = s.inputs[0].shape;
  const int rank = static_cast<int>(x.size());
  const bool coerced = s.node.opset < 13;
  int64_t axis = s.node.attrs.get_int("axis", coerced ? 1 : -1);
  if (axis < 0) axis += rank;
  if (axis < 0 || axis >= rank) fail("axis out of range");
  SoftmaxBuild b;
  int dnnl_axis = static_cast<int>(axis);
  if (coerced) {
    int64_t outer = 1, inner = 1;
    for (int i = 0; i < rank; ++i) (i < axis ? outer : inner) *= x[i];
    b.md = plain_md({outer, inner});
    dnnl_axis = 1;
  } else {
    b.md = plain_md(to_dims(x));
  }
  const auto alg = log ? dnnl::algorithm::softmax_log : dnnl::algorithm::softmax_accurate;
  dnnl::softmax_v2_forward::desc d(dnnl::prop_kind::forward_inference, alg, b.md, b.md, dnnl_axis);
  b.pd = dnnl::softmax_v2_forward::primitive_desc(d, base_attr(), engine());
  require_optimized(b.pd);
  return b;
}

bool softmax_supported(const KernelSetup& s, bool log) {
  if (s.inputs.size() != 1 || !inputs_f32(s, {0}) || !outputs_f32(s) || any_empty(s)) return false;
  if (s.inputs[0].shape.empty()) return false;
  return succeeds([&] { build_softmax(s, log); });
}

class SoftmaxKernel : public OnednnKernel {
 public:
  explicit SoftmaxKernel(bool log) : log_(log) {}

  void prepare(const KernelSetup& s) override {
    ThreadScope threads(s.threads);
    SoftmaxBuild b = build_softmax(s, log_);
    runner_.init(dnnl::softmax_v2_forward(b.pd), b.pd);
    runner_.bind(DNNL_ARG_SRC, b.md);
    runner_.bind(DNNL_ARG_DST, b.md);
  }

  void execute(std::span<const Tensor* const> in, std::span<Tensor* const> out, void* scratch) override {
    runner_.set(DNNL_ARG_SRC, in[0]->data());
    runner_.set(DNNL_ARG_DST, out[0]->data());
    runner_.run(scratch);
  }

 private:
  bool log_;
};

}  // namespace

void register_onednn_softmax(KernelRegistry& r) {
  for (bool log : {false, true})
    onednn::add_kernel(
        r, log ? "LogSoftmax" : "Softmax", "softmax", [log](const KernelSetup& s) { return softmax_supported(s, log); },
        [log] { return std::make_unique<SoftmaxKernel>(log); });
}

}  // namespace layerscope
