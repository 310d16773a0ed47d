// Reductions: ReduceSum, ReduceMean, ReduceMax, ReduceMin, ReduceProd, ReduceL1, ReduceL2,
// ReduceLogSum, ReduceLogSumExp, ReduceSumSquare.
//
// Axes come from the 'axes' attribute before opset 18 (13 for ReduceSum) and from the
// optional second input afterwards, where noop_with_empty_axes = 1 with no / empty axes
// means "reduce over no axis": the per-element part still applies (ReduceSumSquare acts as
// Square, ReduceL1 as Abs, ...), as the spec says. Otherwise empty axes = all axes.
// Accumulation is in double for floats, 64-bit for integers; an empty reduction gives the
// identity (0 for sums, 1 for Prod, -inf / lowest for Max, +inf / max for Min, NaN for Mean).
#include <cmath>
#include <limits>
#include <type_traits>
#include <vector>

#include "ops/nn/norm_common.h"
#include "ops/op_registry.h"

namespace layerscope {

namespace {

enum class Op { Sum, Mean, Max, Min, Prod, L1, L2, LogSum, LogSumExp, SumSquare };

struct ReduceSpec {
  std::vector<bool> reduced;  // per input dim
  bool keepdims = true;
};

bool axes_from_input(const Node& node, Op op) { return node.opset >= (op == Op::Sum ? 13 : 18); }

// Reads axes / keepdims / noop_with_empty_axes; `axes` are the raw values (attribute or
// input). Errors go through `err` so infer() and the reference share the checks.
template <typename Err>
ReduceSpec make_spec(const Node& node, Op op, int rank, const std::vector<int64_t>& axes, Err err) {
  ReduceSpec s;
  s.keepdims = node.attrs.get_int("keepdims", 1) != 0;
  bool noop = axes_from_input(node, op) && node.attrs.get_int("noop_with_empty_axes", 0) != 0;
  s.reduced.assign(rank, axes.empty() && !noop);
  for (int64_t a : axes) {
    int64_t d = a < 0 ? a + rank : a;
    if (d < 0 || d >= rank) err("axis ", a, " is out of range for rank ", rank);
    if (s.reduced[d]) err("axis ", a, " appears twice in axes");
    s.reduced[d] = true;
  }
  return s;
}

Shape output_shape(const Shape& in, const ReduceSpec& s) {
  Shape out;
  for (size_t d = 0; d < in.size(); ++d)
    if (!s.reduced[d]) out.push_back(in[d]);
    else if (s.keepdims) out.push_back(1);
  return out;
}

bool allows(Op op, int opset, DType dt) {
  switch (dt) {
    case DType::F32:
    case DType::F64:
    case DType::I32:
    case DType::I64:
    case DType::U32:
    case DType::U64: return true;
    case DType::I8:
    case DType::U8: return (op == Op::Max || op == Op::Min) && opset >= 12;
    case DType::Bool: return (op == Op::Max || op == Op::Min) && opset >= 20;  // any / all
    default: return false;
  }
}

void infer_reduce(InferContext& ctx, Op op) {
  const Node& node = ctx.node();
  const bool from_input = axes_from_input(node, op);
  ctx.expect_inputs(1, from_input ? 2 : 1);
  if (!allows(op, node.opset, ctx.dtype(0))) {
    if (ctx.dtype(0) == DType::F16 || ctx.dtype(0) == DType::BF16)
      ctx.error("input 0 has type ", dtype_name(ctx.dtype(0)), ", which this runtime does not support (use FLOAT)");
    ctx.error("input 0 has type ", dtype_name(ctx.dtype(0)), ", which ", node.op_type, " does not support at opset ",
              node.opset);
  }
  std::vector<int64_t> axes;
  if (!from_input) {
    axes = ctx.attrs().get_ints("axes");
  } else if (ctx.has_input(1)) {
    ctx.expect_dtype_in(1, {DType::I64});
    if (ctx.rank(1) != 1) ctx.error("input 'axes' must be 1-D, got shape ", shape_to_string(ctx.shape(1)));
    if (shape_numel(ctx.shape(1)) > 0) axes = ctx.int_values(1);
  }
  ReduceSpec s = make_spec(node, op, ctx.rank(0), axes, [&](const auto&... p) { ctx.error(p...); });
  ctx.set_output(0, ctx.dtype(0), output_shape(ctx.shape(0), s));
}

template <typename T, typename Acc>
void reduce_typed(Op op, const Tensor& x, Tensor& y, const ReduceSpec& s) {
  ReduceLayout layout(x.shape(), s.reduced);
  const T* xp = x.data_as<T>();
  const int64_t outs = layout.out_numel;
  const double count = outs ? static_cast<double>(x.numel()) / static_cast<double>(outs) : 0;
  constexpr bool is_float = std::is_floating_point_v<T>;
  Acc init = 0;
  if (op == Op::Prod) init = 1;
  if constexpr (is_float) {
    if (op == Op::Max) init = -std::numeric_limits<Acc>::infinity();
    if (op == Op::Min) init = std::numeric_limits<Acc>::infinity();
  } else {  // T's own extremes (the accumulator may be wider, or a double for an int64 T)
    if (op == Op::Max) init = static_cast<Acc>(std::numeric_limits<T>::lowest());
    if (op == Op::Min) init = static_cast<Acc>(std::numeric_limits<T>::max());
  }
  std::vector<Acc> acc(outs, init);
  std::vector<double> shift;  // LogSumExp: the per-output max, subtracted before exp()
  if (op == Op::LogSumExp) {
    shift.assign(outs, -std::numeric_limits<double>::infinity());
    layout.for_each_run([&](int64_t i0, int64_t o0, int64_t n, int64_t step) {
      for (int64_t k = 0; k < n; ++k) shift[o0 + k * step] = std::max<double>(shift[o0 + k * step], xp[i0 + k]);
    });
    for (double& m : shift)
      if (!std::isfinite(m)) m = 0;  // all -inf (or empty / inf): plain exp-sum gives the right limit
  }
  layout.for_each_run([&](int64_t i0, int64_t o0, int64_t n, int64_t step) {
    for (int64_t k = 0; k < n; ++k) {
      Acc& a = acc[o0 + k * step];
      const Acc v = static_cast<Acc>(xp[i0 + k]);
      switch (op) {
        case Op::Sum:
        case Op::Mean:
        case Op::LogSum: a += v; break;
        case Op::Prod: a *= v; break;
        case Op::Max:
          if (v > a || v != v) a = v;
          break;  // v != v: NaN propagates
        case Op::Min:
          if (v < a || v != v) a = v;
          break;
        case Op::L1:
          if constexpr (std::is_unsigned_v<Acc>) a += v;
          else a += v < 0 ? -v : v;
          break;
        case Op::L2:
        case Op::SumSquare: a += v * v; break;
        case Op::LogSumExp: a += static_cast<Acc>(std::exp(static_cast<double>(v) - shift[o0 + k * step])); break;
      }
    }
  });
  T* yp = y.data_as<T>();
  for (int64_t o = 0; o < outs; ++o) {
    double a = static_cast<double>(acc[o]);
    switch (op) {
      case Op::Mean: yp[o] = static_cast<T>(a / count); break;
      case Op::L2: yp[o] = static_cast<T>(std::sqrt(a)); break;
      case Op::LogSum: yp[o] = static_cast<T>(std::log(a)); break;
      case Op::LogSumExp: yp[o] = static_cast<T>(std::log(a) + shift[o]); break;
      default: yp[o] = static_cast<T>(acc[o]); break;
    }
  }
}

RefKernelFn reduce_reference(Op op) {
  return [op](const Node& node, std::span<const Tensor* const> in, std::span<Tensor* const> out) {
    const Tensor& x = *in[0];
    std::vector<int64_t> axes;
    if (!axes_from_input(node, op)) {
      axes = node.attrs.get_ints("axes");
    } else if (in.size() > 1 && in[1]) {
      for (int64_t k = 0; k < in[1]->numel(); ++k) axes.push_back(in[1]->data_as<int64_t>()[k]);
    }
    ReduceSpec s =
        make_spec(node, op, x.rank(), axes, [&](const auto&... p) { fail(Graph::describe(node), ": ", p...); });
    if (x.dtype() == DType::Bool) {  // Max = any, Min = all, over bytes holding 0 or 1
      reduce_typed<uint8_t, uint64_t>(op, x, *out[0], s);
      uint8_t* y = out[0]->data_as<uint8_t>();
      for (int64_t i = 0; i < out[0]->numel(); ++i) y[i] = y[i] != 0;  // empty Min: 255 -> true
      return;
    }
    dispatch_numeric(x.dtype(), [&](auto tag) {
      using T = decltype(tag);
      using Acc = std::conditional_t<std::is_floating_point_v<T>, double,
                                     std::conditional_t<std::is_signed_v<T>, int64_t, uint64_t>>;
      // Ops with a transcendental / fractional result accumulate integers in double too.
      if constexpr (!std::is_floating_point_v<T>) {
        if (op == Op::Mean || op == Op::L2 || op == Op::LogSum || op == Op::LogSumExp) {
          reduce_typed<T, double>(op, x, *out[0], s);
          return;
        }
      }
      reduce_typed<T, Acc>(op, x, *out[0], s);
    });
  };
}

// One op per input element (compare / add / multiply); L1, L2, SumSquare and LogSumExp do
// a second one per element (abs / square / exp), plus one per output to finish.
CostFn reduce_cost(Op op) {
  return [op](const CostContext& c) {
    Cost cost = bytes_only_cost(c);
    double per = (op == Op::L1 || op == Op::L2 || op == Op::SumSquare || op == Op::LogSumExp) ? 2 : 1;
    if (op == Op::LogSumExp) per = 4;  // max pass, subtract, exp, add
    cost.other_ops = per * static_cast<double>(shape_numel(c.inputs[0].shape)) +
                     static_cast<double>(shape_numel(c.outputs[0].shape));
    return cost;
  };
}

void add_reduce(OpRegistry& r, const char* name, Op op) {
  const int moved = op == Op::Sum ? 13 : 18;  // axes: attribute -> input
  InferFn infer = [op](InferContext& ctx) { infer_reduce(ctx, op); };
  r.add_op(OpDef{name,
                 "",
                 1,
                 moved - 1,
                 infer,
                 reduce_cost(op),
                 reduce_reference(op),
                 {{"axes", AttrType::INTS}, {"keepdims", AttrType::INT}}});
  r.add_op(OpDef{name,
                 "",
                 moved,
                 INT_MAX,
                 infer,
                 reduce_cost(op),
                 reduce_reference(op),
                 {{"keepdims", AttrType::INT}, {"noop_with_empty_axes", AttrType::INT}},
                 {1}});  // axes
}

}  // namespace

void register_reduce_ops(OpRegistry& r) {
  add_reduce(r, "ReduceSum", Op::Sum);
  add_reduce(r, "ReduceMean", Op::Mean);
  add_reduce(r, "ReduceMax", Op::Max);
  add_reduce(r, "ReduceMin", Op::Min);
  add_reduce(r, "ReduceProd", Op::Prod);
  add_reduce(r, "ReduceL1", Op::L1);
  add_reduce(r, "ReduceL2", Op::L2);
  add_reduce(r, "ReduceLogSum", Op::LogSum);
  add_reduce(r, "ReduceLogSumExp", Op::LogSumExp);
  add_reduce(r, "ReduceSumSquare", Op::SumSquare);
}

}  // namespace layerscope
