// Reorder (ops/fused/reorder.cpp) via dnnl::reorder: the layout changes the layout pass inserts
// around runs of blocked convolutions, and around the int8 convolutions (NHWC): float32, int8
// and uint8; other types run the reference.
#include "kernels/onednn/conv_common.h"

namespace layerscope {
namespace {

using namespace onednn;

struct ReorderBuild {
  dnnl::reorder::primitive_desc pd;
  dnnl::memory::desc src, dst;
};

ReorderBuild build_reorder(const KernelSetup& s) {
  const std::optional<Layout> from = layout_from_name(s.node.attrs.get_string("from", ""));
  const std::optional<Layout> to = layout_from_name(s.node.attrs.get_string("to", ""));
  LS_CHECK(from && to, Graph::describe(s.node), ": attributes 'from' and 'to' must name layouts");
  const dims d = to_dims(s.inputs[0].shape);
  const std::optional<dnnl::memory::data_type> t = onednn_type(s.inputs[0].dtype);
  LS_CHECK(t && *t != dnnl::memory::data_type::s32, Graph::describe(s.node), ": no oneDNN reorder for ",
           dtype_name(s.inputs[0].dtype));
  ReorderBuild b;
  b.src = activation_md(d, *from, *t);
  b.dst = activation_md(d, *to, *t);
  b.pd = dnnl::reorder::primitive_desc(engine(), b.src, engine(), b.dst, base_attr());
  return b;
}

bool reorder_supported(const KernelSetup& s) {
  if (s.inputs.size() != 1 || any_empty(s)) return false;
  const size_t rank = s.inputs[0].shape.size();
  return rank >= 3 && rank <= 5 && succeeds([&] { build_reorder(s); });
}

class ReorderKernel : public SrcDstKernel {
 public:
  void prepare(const KernelSetup& s) override {
    ThreadScope threads(s.threads);
    ReorderBuild b = build_reorder(s);
    init_src_dst<dnnl::reorder>(b.pd, b.src, b.dst);
  }
};

}  // namespace

void register_onednn_reorder(KernelRegistry& r) {
  KernelDef d = kernel_def("Reorder", "reorder", reorder_supported, [] { return std::make_unique<ReorderKernel>(); });
  d.domain = kFusedDomain;
  d.accepts_layouts = true;  // its layouts are its attributes
  r.add_kernel(std::move(d));
}

}  // namespace layerscope
