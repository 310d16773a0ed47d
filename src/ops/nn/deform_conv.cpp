// DeformConv (19): a 2-D convolution whose every kernel tap samples X at a learned offset from
// its regular position, bilinearly (zero outside the image), optionally scaled by a mask:
//   Y[n, oc, y, x] = B[oc] + sum_{ic in oc's group, i, j} W[oc, ic, i, j] * m * X~[n, ic](p)
//   p = (y * sh - pad_top + i * dh + dy, x * sw - pad_left + j * dw + dx)
// where (dy, dx) = offset[n, g, i, j, :, y, x] and m = mask[n, g, i, j, y, x] for the offset
// group g of ic (offset is [N, G * kH * kW * 2, oH, oW], mask [N, G * kH * kW, oH, oW]). The
// geometry (strides, pads, dilations, group, kernel_shape from W) is Conv's
// (ops/nn/conv_geometry.h), and offset's spatial dims must be the output's. Only 2-D, as the
// ONNX reference implements; other ranks are refused by name.
//
// The reference kernel samples each (offset group, tap) once per output position into columns
// [C/group * kH * kW, oH * oW] per group, then multiplies by W: the sampling is shared by every
// output channel of the group.
#include <cmath>
#include <vector>

#include "ops/nn/attrs.h"
#include "ops/nn/norm_common.h"

namespace layerscope {

namespace {

enum Input { kX = 0, kW = 1, kOffset = 2, kB = 3, kMask = 4 };

struct DeformShape {
  ConvGeometry g;
  int64_t offset_groups = 1;
};

DeformShape deform_shape(const InferContext& c) {
  if (c.rank(kX) != 4)
    c.error("only 2-D deformable convolution (X of rank 4, [N, C, H, W]) is supported; got X ",
            shape_to_string(c.shape(kX)));
  DeformShape s{conv_geometry(c.node(), c.shape(kX), c.shape(kW)), c.attrs().get_int("offset_group", 1)};
  const ConvGeometry& g = s.g;
  if (s.offset_groups < 1 || g.C_in % s.offset_groups != 0)
    c.error("attribute 'offset_group' (", s.offset_groups, ") must divide the ", g.C_in, " input channels");
  const int64_t taps = g.kernel_size();
  const Shape want_offset = {g.N, s.offset_groups * taps * 2, g.out_dims[0], g.out_dims[1]};
  if (c.shape(kOffset) != want_offset)
    c.error("'offset' must be [N, offset_group * kH * kW * 2, oH, oW] = ", shape_to_string(want_offset), ", got ",
            shape_to_string(c.shape(kOffset)));
  if (c.has_input(kB) && c.shape(kB) != Shape{g.C_out})
    c.error("'B' must be [", g.C_out, "], got ", shape_to_string(c.shape(kB)));
  if (c.has_input(kMask)) {
    const Shape want_mask = {g.N, s.offset_groups * taps, g.out_dims[0], g.out_dims[1]};
    if (c.shape(kMask) != want_mask)
      c.error("'mask' must be [N, offset_group * kH * kW, oH, oW] = ", shape_to_string(want_mask), ", got ",
              shape_to_string(c.shape(kMask)));
  }
  return s;
}

// X[plane] at (y, x) by bilinear interpolation of its four neighbours, each outside the
// h x w image counting as 0 (GridSample with align_corners and zero padding, as the ONNX
// reference computes it).
template <typename T>
double bilinear(const T* plane, int64_t h, int64_t w, double y, double x) {
  if (!(y > -1.0 && y < static_cast<double>(h) && x > -1.0 && x < static_cast<double>(w))) return 0.0;  // NaN too
  const double fy = std::floor(y), fx = std::floor(x);
  const int64_t y0 = static_cast<int64_t>(fy), x0 = static_cast<int64_t>(fx);
  const double ly = y - fy, lx = x - fx;
  double v = 0;
  const int64_t ys[2] = {y0, y0 + 1}, xs[2] = {x0, x0 + 1};
  const double wy[2] = {1 - ly, ly}, wx[2] = {1 - lx, lx};
  for (int a = 0; a < 2; ++a)
    for (int b = 0; b < 2; ++b)
      if (ys[a] >= 0 && ys[a] < h && xs[b] >= 0 && xs[b] < w) v += wy[a] * wx[b] * plane[ys[a] * w + xs[b]];
  return v;
}

OpDef deform_conv_def() {
  OpDef d;
  d.op_type = "DeformConv";
  d.since = 19;
  using enum AttrType;
  d.attributes = {{"dilations", INTS},   {"group", INT}, {"kernel_shape", INTS},
                  {"offset_group", INT}, {"pads", INTS}, {"strides", INTS}};
  d.infer = [](InferContext& c) {
    c.expect_inputs(3, 5);
    nn::expect_float(c, kX, "X");
    for (int i : {kW, kOffset, kB, kMask})
      if (c.has_input(i))
        nn::expect_same_type(c, kX, "X", i, i == kW ? "W" : i == kOffset ? "offset" : i == kB ? "B" : "mask");
    const DeformShape s = deform_shape(c);
    c.set_output(0, c.dtype(kX), s.g.output_shape());
  };
  d.reference = [](const Node& n, std::span<const Tensor* const> in, std::span<Tensor* const> out) {
    const Tensor& x = *in[kX];
    const ConvGeometry g = conv_geometry(n, x.shape(), in[kW]->shape());
    const int64_t og = n.attrs.get_int("offset_group", 1);
    const int64_t h = g.in_dims[0], w = g.in_dims[1], oh = g.out_dims[0], ow = g.out_dims[1];
    const int64_t kh = g.kernel[0], kw = g.kernel[1], taps = kh * kw, positions = oh * ow;
    const int64_t cin_g = g.C_in / g.group, cout_g = g.C_out / g.group, cin_og = g.C_in / og;
    const Tensor* bias = in.size() > kB ? in[kB] : nullptr;
    const Tensor* mask = in.size() > kMask ? in[kMask] : nullptr;
    dispatch_float(x.dtype(), [&](auto tag) {
      using T = decltype(tag);
      const T* xp = x.data_as<T>();
      const T* wp = in[kW]->data_as<T>();
      const T* off = in[kOffset]->data_as<T>();
      T* yp = out[0]->data_as<T>();
      std::vector<double> cols(static_cast<size_t>(cin_g * taps * positions));
      for (int64_t b = 0; b < g.N; ++b)
        for (int64_t grp = 0; grp < g.group; ++grp) {
          // Columns of this group: every input channel's taps sampled at every output position.
          for (int64_t ci = 0; ci < cin_g; ++ci) {
            const int64_t ic = grp * cin_g + ci, ofg = ic / cin_og;
            const T* plane = xp + (b * g.C_in + ic) * h * w;
            for (int64_t i = 0; i < kh; ++i)
              for (int64_t j = 0; j < kw; ++j) {
                const int64_t tap = i * kw + j;
                const T* dy = off + ((b * og + ofg) * taps * 2 + tap * 2) * positions;
                const T* dx = dy + positions;
                const T* m = mask ? mask->data_as<T>() + ((b * og + ofg) * taps + tap) * positions : nullptr;
                double* col = cols.data() + (ci * taps + tap) * positions;
                for (int64_t oy = 0; oy < oh; ++oy)
                  for (int64_t ox = 0; ox < ow; ++ox) {
                    const int64_t p = oy * ow + ox;
                    const double sy =
                        static_cast<double>(oy * g.strides[0] - g.pads_begin[0] + i * g.dilations[0]) + dy[p];
                    const double sx =
                        static_cast<double>(ox * g.strides[1] - g.pads_begin[1] + j * g.dilations[1]) + dx[p];
                    col[p] = bilinear(plane, h, w, sy, sx) * (m ? static_cast<double>(m[p]) : 1.0);
                  }
              }
          }
          for (int64_t co = 0; co < cout_g; ++co) {
            const int64_t oc = grp * cout_g + co;
            const T* wrow = wp + oc * cin_g * taps;
            T* y = yp + (b * g.C_out + oc) * positions;
            for (int64_t p = 0; p < positions; ++p) {
              double acc = bias ? static_cast<double>(bias->data_as<T>()[oc]) : 0.0;
              for (int64_t k = 0; k < cin_g * taps; ++k) acc += static_cast<double>(wrow[k]) * cols[k * positions + p];
              y[p] = static_cast<T>(acc);
            }
          }
        }
    });
  };
  d.cost = [](const CostContext& c) {
    Cost cost = bytes_only_cost(c);
    const Shape& w = c.inputs[kW].shape;
    const double per_output = w.size() == 4 ? static_cast<double>(w[1] * w[2] * w[3]) : 0;
    const double outputs = static_cast<double>(shape_numel(c.outputs[0].shape));
    cost.macs = outputs * per_output;
    cost.other_ops = 10.0 * static_cast<double>(shape_numel(c.inputs[kOffset].shape));  // the bilinear samples
    return cost;
  };
  return d;
}

}  // namespace

void register_nn_deform_conv_ops(OpRegistry& r) { r.add_op(deform_conv_def()); }

}  // namespace layerscope
