// MaxPool / AveragePool / GlobalMaxPool / GlobalAveragePool via dnnl::pooling_v2_forward
// (which has dilation). Geometry from ops/nn/conv_geometry.h; ceil_mode becomes extra end padding
// (ConvGeometry::effective_pads_end), which oneDNN's max pooling ignores (-inf) and its
// exclude-padding average never counts — both as ONNX specifies. Not handled (reference runs):
//   MaxPool's Indices output; AveragePool with count_include_pad=1 when ceil_mode adds end
//   padding (ONNX counts only the declared pads there, oneDNN would count the extra too).
#include "kernels/onednn/conv_common.h"

namespace layerscope {
namespace {

using namespace onednn;

enum class PoolKind { Max, Avg, GlobalMax, GlobalAvg };

struct PoolBuild {
  dnnl::pooling_v2_forward::primitive_desc pd;
  dnnl::memory::desc src_md, dst_md;
};

dims spatial(const std::vector<int64_t>& v) { return dims(v.begin(), v.end()); }

PoolBuild build_pool(const KernelSetup& s, PoolKind kind) {
  ConvGeometry g = pool_geometry(s.node, s.inputs[0].shape);
  std::vector<int64_t> end = g.effective_pads_end();
  dnnl::algorithm alg = dnnl::algorithm::pooling_max;
  if (kind == PoolKind::Avg || kind == PoolKind::GlobalAvg) {
    const bool include_pad = kind == PoolKind::Avg && s.node.attrs.get_int("count_include_pad", 0) != 0;
    // oneDNN divides by the full kernel size; ONNX counts only the declared pads, so windows
    // must not reach past them (effective_pads_end is smaller in floor mode, larger with ceil).
    for (size_t i = 0; include_pad && i < end.size(); ++i)
      if (end[i] > g.pads_end[i]) fail("count_include_pad with ceil_mode end padding");
    alg = include_pad ? dnnl::algorithm::pooling_avg_include_padding : dnnl::algorithm::pooling_avg_exclude_padding;
  }
  PoolBuild b;
  // Source and destination in the layout the layout pass chose (the same for both); f32, or
  // int8/uint8 for MaxPool (quantized models: the maximum of the integers is the integer of
  // the maximum, so no scale is involved).
  const std::optional<dnnl::memory::data_type> t = onednn_type(s.inputs[0].dtype);
  LS_CHECK(t && (*t == dnnl::memory::data_type::f32 || kind == PoolKind::Max), Graph::describe(s.node), ": pooling of ",
           dtype_name(s.inputs[0].dtype));
  b.src_md = activation_md(to_dims(g.input_shape()), s.input_layout(0), *t);
  b.dst_md = activation_md(to_dims(g.output_shape()), s.output_layout(0), *t);
  dims dil;
  for (int64_t d : g.dilations) dil.push_back(d - 1);
  dnnl::pooling_v2_forward::desc d(dnnl::prop_kind::forward_inference, alg, b.src_md, b.dst_md, spatial(g.strides),
                                   spatial(g.kernel), dil, spatial(g.pads_begin), spatial(end));
  b.pd = dnnl::pooling_v2_forward::primitive_desc(d, base_attr(), engine());
  require_optimized(b.pd);
  return b;
}

bool pool_supported(const KernelSetup& s, PoolKind kind) {
  if (s.inputs.empty() || s.outputs.empty() || any_empty(s)) return false;
  const DType t = s.inputs[0].dtype;
  const bool int8 = kind == PoolKind::Max && (t == DType::I8 || t == DType::U8);
  if ((t != DType::F32 && !int8) || s.outputs[0].dtype != t) return false;
  if (has_output(s, 1)) return false;  // MaxPool Indices
  const size_t rank = s.inputs[0].shape.size();
  if (rank < 3 || rank > 5) return false;
  return succeeds([&] { build_pool(s, kind); });
}

class PoolKernel : public SrcDstKernel {
 public:
  explicit PoolKernel(PoolKind kind) : kind_(kind) {}

  void prepare(const KernelSetup& s) override {
    ThreadScope threads(s.threads);
    PoolBuild b = build_pool(s, kind_);
    init_src_dst<dnnl::pooling_v2_forward>(b.pd, b.src_md, b.dst_md);
  }

 private:
  PoolKind kind_;
};

void add_pool(KernelRegistry& r, const char* op, PoolKind kind) {
  KernelDef d = kernel_def(
      op, "pooling", [kind](const KernelSetup& s) { return pool_supported(s, kind); },
      [kind] { return std::make_unique<PoolKernel>(kind); });
  // Pooling after a blocked or channels-last convolution reads and writes that layout, so no
  // Reorder is needed around it.
  d.accepts_layouts = true;
  d.preferred_layouts = follows_input_layout;
  r.add_kernel(std::move(d));
}

}  // namespace

void register_onednn_pooling(KernelRegistry& r) {
  add_pool(r, "MaxPool", PoolKind::Max);
  add_pool(r, "AveragePool", PoolKind::Avg);
  add_pool(r, "GlobalMaxPool", PoolKind::GlobalMax);
  add_pool(r, "GlobalAveragePool", PoolKind::GlobalAvg);
}

}  // namespace layerscope
