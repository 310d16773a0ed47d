#include "kernels/onednn/conv_common.h"

#include <algorithm>

#include "kernels/parallel_copy.h"

namespace layerscope::onednn {

namespace {

using tag = dnnl::memory::format_tag;

// {plain, channels-last, 8c, 16c} per spatial rank 1..3.
tag layout_tag(size_t rank, Layout l) {
  static const tag tags[3][4] = {{tag::ncw, tag::nwc, tag::nCw8c, tag::nCw16c},
                                 {tag::nchw, tag::nhwc, tag::nChw8c, tag::nChw16c},
                                 {tag::ncdhw, tag::ndhwc, tag::nCdhw8c, tag::nCdhw16c}};
  LS_CHECK(rank >= 3 && rank <= 5, "layout ", layout_name(l), " needs a rank-3 to rank-5 tensor, got rank ", rank);
  return tags[rank - 3][static_cast<int>(l)];
}

dims to_onednn(const std::vector<int64_t>& v) { return dims(v.begin(), v.end()); }

}  // namespace

dnnl::memory::desc activation_md(const dims& d, Layout l, dnnl::memory::data_type t) {
  if (l == Layout::Plain && t == dnnl::memory::data_type::f32) return plain_md(d);
  return dnnl::memory::desc(d, t, layout_tag(d.size(), l));
}

std::optional<dnnl::memory::data_type> onednn_type(DType t) {
  using dt = dnnl::memory::data_type;
  switch (t) {
    case DType::F32: return dt::f32;
    case DType::I8: return dt::s8;
    case DType::U8: return dt::u8;
    case DType::I32: return dt::s32;
    default: return std::nullopt;
  }
}

std::optional<Layout> layout_of(const dnnl::memory::desc& md, const dims& d) {
  if (d.size() < 3 || d.size() > 5) return std::nullopt;
  for (Layout l : {Layout::Plain, Layout::ChannelsLast, Layout::Blocked8, Layout::Blocked16})
    if (md == activation_md(d, l)) return l;
  return std::nullopt;
}

dnnl::memory::desc ConvDescs::weights_request() const {
  return w_const ? dnnl::memory::desc(w_dims, dnnl::memory::data_type::f32, tag::any) : w;
}

ConvDescs conv_descs(const KernelSetup& s, const ConvGeometry& g, const dims& w_dims, const dims& w_strides,
                     std::optional<Layout> src, std::optional<Layout> dst) {
  ConvDescs d;
  const dims in = to_dims(g.input_shape()), out = to_dims(g.output_shape());
  d.src = src ? activation_md(in, *src) : dnnl::memory::desc(in, dnnl::memory::data_type::f32, tag::any);
  d.dst = dst ? activation_md(out, *dst) : dnnl::memory::desc(out, dnnl::memory::data_type::f32, tag::any);
  d.w_dims = w_dims;
  d.w = w_strides.empty() ? plain_md(w_dims) : strided_md(w_dims, w_strides);
  d.w_const = s.constants[1] != nullptr;
  d.has_bias = has_input(s, 2);
  if (d.has_bias) d.bias = plain_md({g.C_out});
  d.strides = to_onednn(g.strides);
  for (int64_t x : g.dilations) d.dilations.push_back(x - 1);  // oneDNN counts the gaps
  d.pads_begin = to_onednn(g.pads_begin);
  d.pads_end = to_onednn(g.effective_pads_end());
  return d;
}

void ConvLikeKernel::bind(dnnl::primitive prim, const dnnl::primitive_desc_base& pd, const ConvDescs& d,
                          const KernelSetup& s, int residual, const dnnl::memory::desc& residual_md,
                          ResidualMode residual_mode) {
  w_const_ = d.w_const;
  has_bias_ = d.has_bias;
  residual_ = residual;
  residual_mode_ = residual_mode;
  residual_bytes_ = residual >= 0 ? residual_md.get_size() : 0;
  threads_ = std::max(1, s.threads);
  runner_.init(std::move(prim), pd);
  runner_.bind(DNNL_ARG_SRC, d.src);
  runner_.bind(DNNL_ARG_DST, d.dst);
  if (has_bias_) runner_.bind(DNNL_ARG_BIAS, d.bias);
  if (residual_ >= 0 && residual_mode_ == ResidualMode::Binary)
    runner_.bind(DNNL_ARG_ATTR_MULTIPLE_POST_OP(0) | DNNL_ARG_SRC_1, residual_md);
  if (w_const_) {
    const dnnl::memory::desc packed = pd.weights_desc(0);
    runner_.bind_owned(DNNL_ARG_WEIGHTS, reorder_to(d.w, s.constants[1]->data(), packed));
    packed_bytes_ = packed.get_size();
    mark_packed(1);
  } else {
    runner_.bind(DNNL_ARG_WEIGHTS, d.w);
  }
}

void ConvLikeKernel::execute(std::span<const Tensor* const> in, std::span<Tensor* const> out, void* scratch) {
  runner_.set(DNNL_ARG_SRC, in[0]->data());
  if (!w_const_) runner_.set(DNNL_ARG_WEIGHTS, in[1]->data());
  if (has_bias_) runner_.set(DNNL_ARG_BIAS, in[2]->data());
  if (residual_ >= 0 && residual_mode_ == ResidualMode::Binary)
    runner_.set(DNNL_ARG_ATTR_MULTIPLE_POST_OP(0) | DNNL_ARG_SRC_1, in[residual_]->data());
  if (residual_ >= 0 && residual_mode_ == ResidualMode::Sum && out[0]->data() != in[residual_]->data())
    copy_bytes(out[0]->data(), in[residual_]->data(), static_cast<int64_t>(residual_bytes_), threads_);
  runner_.set(DNNL_ARG_DST, out[0]->data());
  runner_.run(scratch);
}

}  // namespace layerscope::onednn
