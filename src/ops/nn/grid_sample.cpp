// Spatial sampling by a grid of normalized coordinates: GridSample (16, 20) and AffineGrid (20),
// which makes the grid of an affine transform.
#include <algorithm>
#include <cmath>
#include <vector>

#include "ops/nn/attrs.h"
#include "ops/nn/norm_common.h"
#include "ops/tensor/common.h"

namespace layerscope {

namespace {

// ---- GridSample -------------------------------------------------------------------------------
// X [N, C, D1..Dk], grid [N, O1..Om, k] (last axis: the coordinates in reverse axis order, x
// first, in [-1, 1]) -> Y [N, C, O1..Om]. Opset 16: k = 2, modes bilinear / nearest / bicubic;
// opset 20: any k, modes linear / nearest / cubic. Cubic uses Keys' kernel with a = -0.75;
// nearest rounds half to even. Out-of-range taps read 0 (zeros), the edge (border) or the
// reflection about the sampling extent (reflection); a coordinate outside that extent is first
// reflected into it (reflection) or, but for cubic mode, clamped onto the edge (border).

enum class Interp { Nearest, Linear, Cubic };
enum class Padding { Zeros, Border, Reflection };

struct GridSampleParams {
  Interp interp = Interp::Linear;
  Padding padding = Padding::Zeros;
  bool align_corners = false;
};

// The node's parameters, or an error naming what is wrong (ctx may be null at run time).
GridSampleParams grid_sample_params(const Node& n, int since, const InferContext* ctx) {
  auto bad = [&](const std::string& what) {
    if (ctx) ctx->error(what);
    fail(Graph::describe(n), ": ", what);
  };
  GridSampleParams p;
  const std::string mode = n.attrs.get_string("mode", since >= 20 ? "linear" : "bilinear");
  const std::string linear = since >= 20 ? "linear" : "bilinear", cubic = since >= 20 ? "cubic" : "bicubic";
  if (mode == "nearest") p.interp = Interp::Nearest;
  else if (mode == linear) p.interp = Interp::Linear;
  else if (mode == cubic) p.interp = Interp::Cubic;
  else bad("attribute 'mode' must be '" + linear + "', 'nearest' or '" + cubic + "', got '" + mode + "'");
  const std::string pad = n.attrs.get_string("padding_mode", "zeros");
  if (pad == "zeros") p.padding = Padding::Zeros;
  else if (pad == "border") p.padding = Padding::Border;
  else if (pad == "reflection") p.padding = Padding::Reflection;
  else bad("attribute 'padding_mode' must be 'zeros', 'border' or 'reflection', got '" + pad + "'");
  const int64_t ac = n.attrs.get_int("align_corners", 0);
  if (ac != 0 && ac != 1) bad("attribute 'align_corners' must be 0 or 1, got " + std::to_string(ac));
  p.align_corners = ac == 1;
  return p;
}

// Folds x into [lo, hi] by reflecting about the nearer bound, repeatedly (in floating point, so
// a huge x cannot overflow an integer; the result is kept inside the bounds).
double reflect(double x, double lo, double hi) {
  const double range = hi - lo;
  if (range <= 0) return lo;
  if (x >= lo && x <= hi) return x;
  const double dx = x < lo ? lo - x : x - hi;
  const double k = std::floor(dx / range);
  const double r = dx - k * range;
  const bool even = std::fmod(k, 2.0) == 0;
  const double y = (x < lo) == even ? lo + r : hi - r;
  return std::clamp(y, lo, hi);
}

void cubic_weights(double t, double w[4]) {
  constexpr double a = -0.75;
  auto near = [](double x) { return ((a + 2) * x - (a + 3)) * x * x + 1; };       // |x| <= 1
  auto far = [](double x) { return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a; };  // 1 < |x| < 2
  w[0] = far(t + 1);
  w[1] = near(t);
  w[2] = near(1 - t);
  w[3] = far(2 - t);
}

// The taps of one axis: source indices (-1 = reads zero) and their weights.
struct AxisTaps {
  int count = 0;
  int64_t index[4];
  double weight[4];
};

AxisTaps axis_taps(double coord, int64_t dim, const GridSampleParams& p) {
  const double lo = p.align_corners ? 0.0 : -0.5, hi = p.align_corners ? dim - 1.0 : dim - 0.5;
  double x = p.align_corners ? (coord + 1) / 2 * (dim - 1) : ((coord + 1) * dim - 1) / 2;
  if (p.interp == Interp::Nearest) x = std::nearbyint(x);  // half to even (default rounding mode)
  if (x < lo || x > hi) {
    // Border: the coordinate moves onto the edge, except in cubic mode, where (as in PyTorch and
    // onnxruntime; the ONNX reference moves it too) only each of the four taps is clamped, so a
    // point just outside still sees the interior through its 4-wide kernel.
    if (p.padding == Padding::Border && p.interp != Interp::Cubic) x = std::clamp(x, 0.0, dim - 1.0);
    else if (p.padding == Padding::Reflection) x = reflect(x, lo, hi);
  }
  auto source = [&](int64_t i) -> int64_t {
    if (i >= 0 && i < dim) return i;
    if (p.padding == Padding::Zeros) return -1;
    if (p.padding == Padding::Border) return std::clamp<int64_t>(i, 0, dim - 1);
    return std::clamp<int64_t>(static_cast<int64_t>(reflect(static_cast<double>(i), lo, hi)), 0, dim - 1);
  };
  AxisTaps t;
  // A border-mode infinity is the edge; any other non-finite coordinate (NaN, an infinity to
  // reflect or to pad with zeros) samples nothing: 0.
  if (std::isinf(x) && p.padding == Padding::Border) x = std::clamp(x, -5.0, dim + 4.0);
  if (!std::isfinite(x)) {
    t.count = 1;
    t.index[0] = -1;
    t.weight[0] = 0;
    return t;
  }
  // Far outside, every tap reads zero (zeros) or the same edge pixel (cubic border): moving x
  // closer changes nothing and keeps its integer part representable.
  x = std::clamp(x, -5.0, dim + 4.0);
  if (p.interp == Interp::Nearest) {
    t.count = 1;
    t.index[0] = source(static_cast<int64_t>(x));
    t.weight[0] = 1;
    return t;
  }
  const double base = std::floor(x);
  const int64_t i0 = static_cast<int64_t>(base);
  if (p.interp == Interp::Linear) {
    t.count = 2;
    t.index[0] = source(i0), t.index[1] = source(i0 + 1);
    t.weight[0] = 1 - (x - base), t.weight[1] = x - base;
    return t;
  }
  t.count = 4;
  cubic_weights(x - base, t.weight);
  for (int k = 0; k < 4; ++k) t.index[k] = source(i0 - 1 + k);
  return t;
}

OpDef grid_sample_def(int since, int until) {
  OpDef d;
  d.op_type = "GridSample";
  d.since = since;
  d.until = until;
  d.attributes = {{"align_corners", AttrType::INT}, {"mode", AttrType::STRING}, {"padding_mode", AttrType::STRING}};
  d.infer = [since](InferContext& c) {
    c.expect_inputs(2, 2);
    nn::expect_float(c, 0, "X");
    nn::expect_float(c, 1, "grid");
    grid_sample_params(c.node(), since, &c);
    const int r = c.rank(0);
    if (since < 20 ? r != 4 : r < 3)
      c.error("input X must be ", since < 20 ? "[N, C, H, W]" : "[N, C, D1, ..., Dk]", ", got ",
              shape_to_string(c.shape(0)));
    const Shape& g = c.shape(1);
    if (c.rank(1) != r || g[0] != c.shape(0)[0] || g.back() != r - 2)
      c.error("'grid' must be [", c.shape(0)[0], ", ", since < 20 ? "H_out, W_out" : "O1, ..., Ok", ", ", r - 2,
              "] for X of shape ", shape_to_string(c.shape(0)), ", got ", shape_to_string(g));
    Shape out = {c.shape(0)[0], c.shape(0)[1]};
    out.insert(out.end(), g.begin() + 1, g.end() - 1);
    c.set_output(0, c.dtype(0), out);
  };
  d.reference = [since](const Node& n, std::span<const Tensor* const> in, std::span<Tensor* const> out) {
    const Tensor& x = *in[0];
    const Tensor& grid = *in[1];
    const GridSampleParams p = grid_sample_params(n, since, nullptr);
    const int k = x.rank() - 2;
    const int64_t batches = x.dim(0), channels = x.dim(1);
    const int64_t plane = product(x.shape(), 2, x.shape().size());
    const int64_t points = product(grid.shape(), 1, grid.shape().size() - 1);
    std::vector<int64_t> strides(k);
    for (int a = k - 1; a >= 0; --a) strides[a] = a == k - 1 ? 1 : strides[a + 1] * x.dim(a + 3);
    dispatch_float(x.dtype(), [&](auto tag) {
      using T = decltype(tag);
      const T* xp = x.data_as<T>();
      T* yp = out[0]->data_as<T>();
      std::vector<AxisTaps> taps(k);
      std::vector<int> pick(k);
      for (int64_t b = 0; b < batches; ++b)
        for (int64_t pt = 0; pt < points; ++pt) {
          for (int a = 0; a < k; ++a)  // grid holds the axes in reverse order
            taps[a] = axis_taps(load_as_double(grid, (b * points + pt) * k + (k - 1 - a)), x.dim(a + 2), p);
          for (int64_t ch = 0; ch < channels; ++ch) {
            const T* src = xp + (b * channels + ch) * plane;
            double acc = 0;
            std::fill(pick.begin(), pick.end(), 0);
            for (;;) {  // every combination of the axes' taps
              double wgt = 1;
              int64_t off = 0;
              bool zero = false;
              for (int a = 0; a < k; ++a) {
                wgt *= taps[a].weight[pick[a]];
                const int64_t i = taps[a].index[pick[a]];
                zero = zero || i < 0;
                off += i * strides[a];
              }
              if (!zero) acc += wgt * src[off];
              int a = k - 1;
              while (a >= 0 && ++pick[a] == taps[a].count) pick[a--] = 0;
              if (a < 0) break;
            }
            yp[(b * channels + ch) * points + pt] = static_cast<T>(acc);
          }
        }
    });
  };
  d.cost = [](const CostContext& c) {
    const int k = static_cast<int>(c.inputs[0].shape.size()) - 2;
    const std::string mode = c.node.attrs.get_string("mode", "linear");
    const double taps_per_axis = mode == "nearest" ? 1 : (mode == "cubic" || mode == "bicubic") ? 4 : 2;
    Cost cost = bytes_only_cost(c);
    cost.macs = std::pow(taps_per_axis, std::max(k, 1)) * static_cast<double>(shape_numel(c.outputs[0].shape));
    cost.bytes_read = c.inputs[1].bytes() + c.outputs[0].bytes() * static_cast<int64_t>(std::pow(taps_per_axis, k));
    return cost;
  };
  return d;
}

// ---- AffineGrid (20) --------------------------------------------------------------------------
// theta [N, 2, 3] (or [N, 3, 4]), size [N, C, H, W] (or [N, C, D, H, W]) -> grid [N, H, W, 2]
// (or [N, D, H, W, 3]): theta times each output position's homogeneous normalized coordinates
// (x, y[, z], 1), x along the last axis. A position i of L is -1 + (2i + 1) / L, or with
// align_corners -1 + 2i / (L - 1); a single position is 0.

OpDef affine_grid_def() {
  OpDef d;
  d.op_type = "AffineGrid";
  d.since = 20;
  d.value_inputs = {1};  // size
  d.attributes = {{"align_corners", AttrType::INT}};
  d.infer = [](InferContext& c) {
    c.expect_inputs(2, 2);
    nn::expect_float(c, 0, "theta");
    c.expect_dtype_in(1, {DType::I64});
    const int64_t ac = c.attrs().get_int("align_corners", 0);
    if (ac != 0 && ac != 1) c.error("attribute 'align_corners' must be 0 or 1, got ", ac);
    const std::vector<int64_t> size = c.int_values(1);
    if (c.rank(1) != 1 || (size.size() != 4 && size.size() != 5))
      c.error("'size' must hold 4 values (N, C, H, W) or 5 (N, C, D, H, W), got shape ", shape_to_string(c.shape(1)));
    const int64_t k = static_cast<int64_t>(size.size()) - 2;
    if (c.rank(0) != 3 || c.shape(0)[0] != size[0] || c.shape(0)[1] != k || c.shape(0)[2] != k + 1)
      c.error("'theta' must be [", size[0], ", ", k, ", ", k + 1, "] for size of ", size.size(), " values, got ",
              shape_to_string(c.shape(0)));
    for (int64_t v : size)
      if (v < 0) c.error("'size' values must be >= 0");
    Shape out = {size[0]};
    out.insert(out.end(), size.begin() + 2, size.end());
    out.push_back(k);
    c.set_output(0, c.dtype(0), out);
  };
  d.reference = [](const Node& n, std::span<const Tensor* const> in, std::span<Tensor* const> out) {
    const Tensor& theta = *in[0];
    Tensor& y = *out[0];
    const bool ac = n.attrs.get_int("align_corners", 0) == 1;
    const int k = y.rank() - 2;
    const int64_t points = product(y.shape(), 1, y.shape().size() - 1);
    auto coord = [ac](int64_t i, int64_t len) {
      if (len <= 1) return 0.0;
      return ac ? -1.0 + 2.0 * i / (len - 1) : -1.0 + (2.0 * i + 1) / len;
    };
    dispatch_float(y.dtype(), [&](auto tag) {
      using T = decltype(tag);
      const T* th = theta.data_as<T>();
      T* yp = y.data_as<T>();
      std::vector<int64_t> idx(k);
      std::vector<double> h(k + 1);
      Shape spatial(y.shape().begin() + 1, y.shape().end() - 1);
      for (int64_t pt = 0; pt < points; ++pt) {
        unravel(pt, spatial, idx.data());
        for (int a = 0; a < k; ++a) h[a] = coord(idx[k - 1 - a], spatial[k - 1 - a]);  // x first
        h[k] = 1;
        for (int64_t b = 0; b < y.dim(0); ++b)
          for (int r = 0; r < k; ++r) {
            double v = 0;
            for (int col = 0; col <= k; ++col) v += th[(b * k + r) * (k + 1) + col] * h[col];
            yp[(b * points + pt) * k + r] = static_cast<T>(v);
          }
      }
    });
  };
  d.cost = [](const CostContext& c) {
    Cost cost = bytes_only_cost(c);
    const double k = static_cast<double>(c.outputs[0].shape.empty() ? 0 : c.outputs[0].shape.back());
    cost.macs = (k + 1) * static_cast<double>(shape_numel(c.outputs[0].shape));
    return cost;
  };
  return d;
}

}  // namespace

void register_nn_grid_sample_ops(OpRegistry& r) {
  r.add_op(grid_sample_def(16, 19));
  r.add_op(grid_sample_def(20, INT_MAX));
  r.add_op(affine_grid_def());
}

}  // namespace layerscope
