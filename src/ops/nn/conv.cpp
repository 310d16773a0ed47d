// Conv and ConvTranspose (1-3 spatial dims, groups, dilations, strides, pads, auto_pad).
// Geometry (output size, resolved pads) comes from conv_geometry.h, shared with the oneDNN kernels.
#include <algorithm>

#include "ops/nn/attrs.h"
#include "ops/nn/conv_loops.h"

namespace layerscope {
namespace {

using nn::conv_kernel;
using nn::valid_range;

void check_bias(const InferContext& ctx, int64_t c_out) {
  if (!ctx.has_input(2)) return;
  nn::expect_same_type(ctx, 0, "X", 2, "B");
  if (ctx.shape(2) != Shape{c_out})
    ctx.error("bias B has shape ", shape_to_string(ctx.shape(2)), "; expected (", c_out, ") (one per output channel)");
}

void conv_infer(InferContext& ctx, bool transposed) {
  ctx.expect_inputs(2, 3);
  nn::expect_float(ctx, 0, "X");
  nn::expect_same_type(ctx, 0, "X", 1, "W");
  ConvGeometry g = transposed ? conv_transpose_geometry(ctx.node(), ctx.shape(0), ctx.shape(1))
                              : conv_geometry(ctx.node(), ctx.shape(0), ctx.shape(1));
  nn::spatial_rank_checked(ctx, g, transposed ? "ConvTranspose" : "Conv");
  check_bias(ctx, g.C_out);
  ctx.set_output(0, ctx.dtype(0), g.output_shape());
}

bool has_bias(const CostContext& c) { return c.inputs.size() > 2 && c.inputs[2].dtype != DType::Undefined; }

// MACs = N * C_out * prod(out spatial) * (C_in / group) * prod(kernel); bias adds one op per output.
Cost conv_cost(const CostContext& c) {
  Cost cost = bytes_only_cost(c);
  ConvGeometry g = conv_geometry(c.node, c.inputs[0].shape, c.inputs[1].shape);
  double outputs = static_cast<double>(g.N) * g.C_out * g.out_spatial_size();
  cost.macs = outputs * static_cast<double>(g.C_in / g.group) * g.kernel_size();
  if (has_bias(c)) cost.other_ops = outputs;
  return cost;
}

// Every input element meets every weight of its group once:
// MACs = N * C_in * prod(in spatial) * (C_out / group) * prod(kernel).
Cost conv_transpose_cost(const CostContext& c) {
  Cost cost = bytes_only_cost(c);
  ConvGeometry g = conv_transpose_geometry(c.node, c.inputs[0].shape, c.inputs[1].shape);
  cost.macs = static_cast<double>(g.N) * g.C_in * g.in_spatial_size() * static_cast<double>(g.C_out / g.group) *
              g.kernel_size();
  if (has_bias(c)) cost.other_ops = static_cast<double>(shape_numel(g.output_shape()));
  return cost;
}

// Scatter form: y[n, oc, i * s - pb + k * d] += x[n, ic, i] * w[ic, oc_in_group, k].
// Parallel over (n, oc) output planes, so no two threads write the same element.
template <typename T>
void conv_transpose_kernel(const ConvGeometry& g, const T* x, const T* w, const T* bias, T* y) {
  const nn::Geom3 q(g);
  const int64_t cin_g = g.C_in / g.group, cout_g = g.C_out / g.group;
  const int64_t in_sz = q.in_size(), out_sz = q.out_size(), ksz = q.k[0] * q.k[1] * q.k[2];
#pragma omp parallel for
  for (int64_t no = 0; no < g.N * g.C_out; ++no) {
    const int64_t n = no / g.C_out, oc = no % g.C_out, grp = oc / cout_g, ocl = oc % cout_g;
    T* yp = y + no * out_sz;
    std::fill(yp, yp + out_sz, bias ? bias[oc] : T(0));
    for (int64_t icl = 0; icl < cin_g; ++icl) {
      const int64_t ic = grp * cin_g + icl;
      const T* xp = x + (n * g.C_in + ic) * in_sz;
      const T* wp = w + (ic * cout_g + ocl) * ksz;
      for (int64_t kd = 0; kd < q.k[0]; ++kd)
        for (int64_t kh = 0; kh < q.k[1]; ++kh)
          for (int64_t kw = 0; kw < q.k[2]; ++kw) {
            const T wv = wp[(kd * q.k[1] + kh) * q.k[2] + kw];
            int64_t d0, d1, h0, h1, w0, w1;
            valid_range(kd * q.d[0] - q.pb[0], q.s[0], q.in[0], q.out[0], &d0, &d1);
            valid_range(kh * q.d[1] - q.pb[1], q.s[1], q.in[1], q.out[1], &h0, &h1);
            valid_range(kw * q.d[2] - q.pb[2], q.s[2], q.in[2], q.out[2], &w0, &w1);
            for (int64_t id = d0; id < d1; ++id)
              for (int64_t ih = h0; ih < h1; ++ih) {
                const int64_t od = id * q.s[0] + kd * q.d[0] - q.pb[0], oh = ih * q.s[1] + kh * q.d[1] - q.pb[1];
                const T* xrow = xp + (id * q.in[1] + ih) * q.in[2];
                T* yrow = yp + (od * q.out[1] + oh) * q.out[2];
                const int64_t off = kw * q.d[2] - q.pb[2], sw = q.s[2];
                for (int64_t iw = w0; iw < w1; ++iw) yrow[iw * sw + off] += wv * xrow[iw];
              }
          }
    }
  }
}

template <bool Transposed>
void conv_reference(const Node& node, std::span<const Tensor* const> in, std::span<Tensor* const> out) {
  ConvGeometry g = Transposed ? conv_transpose_geometry(node, in[0]->shape(), in[1]->shape())
                              : conv_geometry(node, in[0]->shape(), in[1]->shape());
  const Tensor* b = in.size() > 2 ? in[2] : nullptr;
  auto run = [&](auto tag) {
    using T = decltype(tag);
    const T* bias = b ? b->data_as<T>() : nullptr;
    if constexpr (Transposed)
      conv_transpose_kernel<T>(g, in[0]->data_as<T>(), in[1]->data_as<T>(), bias, out[0]->data_as<T>());
    else conv_kernel<T>(g, in[0]->data_as<T>(), in[1]->data_as<T>(), bias, out[0]->data_as<T>());
  };
  switch (in[0]->dtype()) {
    case DType::F32: run(float{}); break;
    case DType::F64: run(double{}); break;
    default: fail(Graph::describe(node), ": element type ", dtype_name(in[0]->dtype()), " is not supported");
  }
}

}  // namespace

void register_nn_conv_ops(OpRegistry& r) {
  using enum AttrType;
  const std::vector<AttrSpec> window = {{"auto_pad", STRING},   {"dilations", INTS}, {"group", INT},
                                        {"kernel_shape", INTS}, {"pads", INTS},      {"strides", INTS}};
  // Conv-1 and Conv-11 differ only in documentation; 22 adds bfloat16 (unsupported type).
  OpDef conv;
  conv.op_type = "Conv";
  conv.since = 1;
  conv.attributes = window;
  conv.infer = [](InferContext& c) { conv_infer(c, false); };
  conv.cost = conv_cost;
  conv.reference = conv_reference<false>;
  r.add_op(std::move(conv));

  OpDef convt;
  convt.op_type = "ConvTranspose";
  convt.since = 1;
  convt.attributes = window;
  convt.attributes.insert(convt.attributes.end(), {{"output_padding", INTS}, {"output_shape", INTS}});
  convt.infer = [](InferContext& c) { conv_infer(c, true); };
  convt.cost = conv_transpose_cost;
  convt.reference = conv_reference<true>;
  r.add_op(std::move(convt));
}

}  // namespace layerscope
