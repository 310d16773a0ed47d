// MaxPool, AveragePool, LpPool and their Global* forms (1-3 spatial dims).
// Window geometry (output size, auto_pad, ceil_mode) comes from conv_geometry.h.
#include <algorithm>
#include <cmath>
#include <limits>

#include "ops/nn/attrs.h"

namespace layerscope {
namespace {

enum class PoolKind { Max, Avg, Lp };

// What one opset range of a pooling op defines.
struct PoolVariant {
  PoolKind kind;
  bool global = false;
  bool indices = false;            // MaxPool >= 8: optional Indices output, storage_order
  bool ceil_mode = false;          // MaxPool/AveragePool >= 10, LpPool >= 18
  bool dilations = false;          // MaxPool >= 10, AveragePool >= 19, LpPool >= 18
  bool count_include_pad = false;  // AveragePool >= 7
  bool int8 = false;               // MaxPool >= 12: int8/uint8
};

int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

// Kernel taps j in [0, k) whose position start + j * d lies in [0, n): [*lo, *hi).
void tap_range(int64_t start, int64_t d, int64_t k, int64_t n, int64_t* lo, int64_t* hi) {
  *lo = std::max<int64_t>(0, floor_div(-start + d - 1, d));
  *hi = std::min<int64_t>(k, floor_div(n - 1 - start, d) + 1);
  if (*hi < *lo) *hi = *lo;
}

// LpPool's p: a float attribute in opset 1, an int from opset 2 (pool_attributes).
double lp_p(const Node& node) {
  if (node.opset == 1) return node.attrs.get_float("p", 2.f);
  return static_cast<double>(node.attrs.get_int("p", 2));
}

// The attributes of one variant: the planner refuses the others (ceil_mode before
// opset 10, ...), so the kernels below can read them without asking which opset they are in.
std::vector<AttrSpec> pool_attributes(const PoolVariant& v) {
  using enum AttrType;
  std::vector<AttrSpec> a;
  if (!v.global) {
    a = {{"auto_pad", STRING}, {"kernel_shape", INTS}, {"pads", INTS}, {"strides", INTS}};
    if (v.ceil_mode) a.push_back({"ceil_mode", INT});
    if (v.dilations) a.push_back({"dilations", INTS});
    if (v.count_include_pad) a.push_back({"count_include_pad", INT});
    if (v.indices) a.push_back({"storage_order", INT});
  }
  if (v.kind == PoolKind::Lp) {
    a.push_back({"p", FLOAT, 1, 1});
    a.push_back({"p", INT, 2});
  }
  return a;
}

void pool_infer(InferContext& ctx, PoolVariant v) {
  ctx.expect_inputs(1, 1);
  if (v.int8) nn::expect_types(ctx, 0, "X", {DType::F32, DType::F64, DType::I8, DType::U8});
  else nn::expect_float(ctx, 0, "X");
  const Attributes& a = ctx.attrs();
  int64_t storage_order = a.get_int("storage_order", 0);
  if (storage_order != 0 && storage_order != 1)
    ctx.error("attribute 'storage_order' = ", storage_order,
              " is not supported; expected 0 (row major) or 1 (column major)");
  for (const char* flag : {"count_include_pad", "ceil_mode"}) {
    const int64_t f = a.get_int(flag, 0);
    if (f != 0 && f != 1) ctx.error("attribute '", flag, "' = ", f, "; expected 0 or 1");
  }
  if (v.kind == PoolKind::Lp && !(lp_p(ctx.node()) > 0))
    ctx.error("attribute 'p' = ", lp_p(ctx.node()), " must be > 0");
  bool want_indices = ctx.num_outputs() > 1 && ctx.node().outputs[1] >= 0;
  if (ctx.num_outputs() > (v.indices ? 2 : 1) || (want_indices && !v.indices))
    ctx.error("expected ", v.indices ? "1 or 2 outputs (Y, Indices)" : "1 output", ", got ", ctx.num_outputs());

  ConvGeometry g = pool_geometry(ctx.node(), ctx.shape(0));
  nn::spatial_rank_checked(ctx, g, ctx.node().op_type.c_str());
  // A window wholly inside the padding would have no input to pool (ONNX Runtime refuses such
  // pads too): every pad must be shorter than the (dilated) kernel.
  for (int i = 0; i < g.spatial_rank(); ++i)
    if (g.pads_begin[i] >= g.dilated_kernel(i) || g.pads_end[i] >= g.dilated_kernel(i))
      ctx.error("pads ", g.pads_begin[i], "+", g.pads_end[i], " along spatial dimension ", i,
                " are not smaller than the kernel (", g.dilated_kernel(i), "): a window would hold only padding");
  ctx.set_output(0, ctx.dtype(0), g.output_shape());
  if (ctx.num_outputs() > 1) ctx.set_output(1, DType::I64, g.output_shape());
}

// No MACs: one comparison / add / power per window element of every output.
Cost pool_cost(const CostContext& c) {
  Cost cost = bytes_only_cost(c);
  ConvGeometry g = pool_geometry(c.node, c.inputs[0].shape);
  cost.other_ops = static_cast<double>(shape_numel(g.output_shape())) * g.kernel_size();
  return cost;
}

struct PoolParams {
  PoolKind kind;
  bool count_include_pad = false;
  bool column_major = false;  // Indices in column-major spatial order (storage_order = 1)
  double p = 2.0;
};

// One (n, c) plane per iteration; for each output position, walk the in-bounds taps of its window.
template <typename T>
void pool_kernel(const ConvGeometry& g, const PoolParams& pp, const T* x, T* y, int64_t* indices) {
  const nn::Geom3 q(g);
  const int64_t in_sz = q.in_size(), out_sz = q.out_size();
  using Acc = std::conditional_t<std::is_same_v<T, double>, double, float>;
#pragma omp parallel for
  for (int64_t nc = 0; nc < g.N * g.C_in; ++nc) {
    const T* xp = x + nc * in_sz;
    int64_t o = nc * out_sz;
    for (int64_t od = 0; od < q.out[0]; ++od)
      for (int64_t oh = 0; oh < q.out[1]; ++oh)
        for (int64_t ow = 0; ow < q.out[2]; ++ow, ++o) {
          const int64_t sd = od * q.s[0] - q.pb[0], sh = oh * q.s[1] - q.pb[1], sw = ow * q.s[2] - q.pb[2];
          int64_t d0, d1, h0, h1, w0, w1;
          tap_range(sd, q.d[0], q.k[0], q.in[0], &d0, &d1);
          tap_range(sh, q.d[1], q.k[1], q.in[1], &h0, &h1);
          tap_range(sw, q.d[2], q.k[2], q.in[2], &w0, &w1);
          if (pp.kind == PoolKind::Max) {
            T best = std::numeric_limits<T>::lowest();
            int64_t best_at = -1;
            for (int64_t kd = d0; kd < d1; ++kd)
              for (int64_t kh = h0; kh < h1; ++kh)
                for (int64_t kw = w0; kw < w1; ++kw) {
                  int64_t at = ((sd + kd * q.d[0]) * q.in[1] + sh + kh * q.d[1]) * q.in[2] + sw + kw * q.d[2];
                  if (best_at < 0 || xp[at] > best) best = xp[at], best_at = at;
                }
            y[o] = best;
            if (indices) {
              int64_t at = std::max<int64_t>(best_at, 0);
              int64_t id = at / (q.in[1] * q.in[2]), ih = at / q.in[2] % q.in[1], iw = at % q.in[2];
              // Flattened index into X (N and C included), spatial part in the requested order.
              indices[o] = nc * in_sz + (pp.column_major ? id + ih * q.in[0] + iw * q.in[0] * q.in[1] : at);
            }
            continue;
          }
          Acc sum = 0;
          for (int64_t kd = d0; kd < d1; ++kd)
            for (int64_t kh = h0; kh < h1; ++kh) {
              const T* row = xp + ((sd + kd * q.d[0]) * q.in[1] + sh + kh * q.d[1]) * q.in[2] + sw;
              for (int64_t kw = w0; kw < w1; ++kw) {
                Acc v = static_cast<Acc>(row[kw * q.d[2]]);
                sum += pp.kind == PoolKind::Avg ? v
                                                : (pp.p == 2.0 ? v * v : static_cast<Acc>(std::pow(std::abs(v), pp.p)));
              }
            }
          if (pp.kind == PoolKind::Lp) {
            y[o] = static_cast<T>(pp.p == 2.0 ? std::sqrt(sum) : std::pow(sum, static_cast<Acc>(1.0 / pp.p)));
            continue;
          }
          // Divisor: the in-bounds taps, or with count_include_pad the whole kernel, even where
          // ceil_mode lets the window run past the end padding (ONNX Runtime and the ONNX test
          // data agree on this).
          const int64_t count = pp.count_include_pad ? q.k[0] * q.k[1] * q.k[2] : (d1 - d0) * (h1 - h0) * (w1 - w0);
          y[o] = count > 0 ? static_cast<T>(sum / static_cast<Acc>(count)) : T(0);
        }
  }
}

void pool_reference(const Node& node, std::span<const Tensor* const> in, std::span<Tensor* const> out, PoolKind kind) {
  ConvGeometry g = pool_geometry(node, in[0]->shape());
  PoolParams pp{kind};
  pp.count_include_pad = node.attrs.get_int("count_include_pad", 0) != 0;
  pp.column_major = node.attrs.get_int("storage_order", 0) == 1;
  if (kind == PoolKind::Lp) pp.p = lp_p(node);
  int64_t* indices = out.size() > 1 && out[1] ? out[1]->data_as<int64_t>() : nullptr;
  auto run = [&](auto tag) {
    using T = decltype(tag);
    pool_kernel<T>(g, pp, in[0]->data_as<T>(), out[0]->data_as<T>(), indices);
  };
  switch (in[0]->dtype()) {
    case DType::F32: run(float{}); break;
    case DType::F64: run(double{}); break;
    case DType::I8:
      if (kind == PoolKind::Max) {
        run(int8_t{});
        break;
      }
      [[fallthrough]];
    case DType::U8:
      if (kind == PoolKind::Max) {
        run(uint8_t{});
        break;
      }
      [[fallthrough]];
    default: fail(Graph::describe(node), ": element type ", dtype_name(in[0]->dtype()), " is not supported");
  }
}

}  // namespace

void register_nn_pool_ops(OpRegistry& r) {
  auto add = [&](const char* op, int since, int until, PoolVariant v) {
    OpDef d;
    d.op_type = op;
    d.since = since;
    d.until = until;
    d.attributes = pool_attributes(v);
    d.infer = [v](InferContext& c) { pool_infer(c, v); };
    d.cost = pool_cost;
    d.reference = [kind = v.kind](const Node& n, std::span<const Tensor* const> in, std::span<Tensor* const> out) {
      pool_reference(n, in, out, kind);
    };
    r.add_op(std::move(d));
  };
  using K = PoolKind;
  // MaxPool: 8 adds Indices + storage_order, 10 ceil_mode + dilations, 12 int8/uint8.
  add("MaxPool", 1, 7, {K::Max});
  add("MaxPool", 8, 9, {K::Max, false, true});
  add("MaxPool", 10, 11, {K::Max, false, true, true, true});
  add("MaxPool", 12, INT_MAX, {K::Max, false, true, true, true, false, true});
  // AveragePool: 7 adds count_include_pad, 10 ceil_mode, 19 dilations.
  add("AveragePool", 1, 6, {K::Avg});
  add("AveragePool", 7, 9, {K::Avg, false, false, false, false, true});
  add("AveragePool", 10, 18, {K::Avg, false, false, true, false, true});
  add("AveragePool", 19, INT_MAX, {K::Avg, false, false, true, true, true});
  // LpPool: p is a float in opset 1 and an int from 2; 18 adds ceil_mode + dilations.
  add("LpPool", 1, 17, {K::Lp});
  add("LpPool", 18, INT_MAX, {K::Lp, false, false, true, true});
  add("GlobalMaxPool", 1, INT_MAX, {K::Max, true});
  add("GlobalAveragePool", 1, INT_MAX, {K::Avg, true});
  add("GlobalLpPool", 1, INT_MAX, {K::Lp, true});
}

}  // namespace layerscope
