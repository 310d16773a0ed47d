// Sum Mean Max Min (any number of inputs, broadcast together), Where, and Clip.
// Opsets before 8 required equal shapes for Sum..Min, a special case of broadcasting, so one
// definition covers all versions. Clip moved min/max from attributes to inputs at opset 11.
#include <cmath>
#include <limits>

#include "ops/elementwise/binary.h"

namespace layerscope::elementwise {

namespace {

// Max/Min propagate NaN like numpy's maximum/minimum: once NaN, the result stays NaN.
template <typename T>
T nan_max(T acc, T x) {
  return (x > acc || x != x) ? x : acc;
}
template <typename T>
T nan_min(T acc, T x) {
  return (x < acc || x != x) ? x : acc;
}

enum class Fold { Sum, Mean, Max, Min };

template <TypeMask Mask>
void add_variadic(OpRegistry& r, const char* name, Fold fold) {
  OpDef d;
  d.op_type = name;
  d.since = 1;
  d.attributes = {legacy_consumed_inputs()};
  d.position_wise = true;
  d.infer = [](InferContext& c) {
    if (c.num_inputs() < 1) c.error("expected at least 1 input, got 0");
    c.expect_inputs(c.num_inputs(), c.num_inputs());
    check_type(c, 0, Mask);
    Shape out = c.shape(0);
    for (int i = 1; i < c.num_inputs(); ++i) {
      check_same_type(c, 0, i);
      out = broadcast_shapes(c, out, c.shape(i));
    }
    c.set_output(0, c.dtype(0), out);
  };
  d.cost = [](const CostContext& c) {
    return elementwise_cost(c, static_cast<double>(std::max<size_t>(c.inputs.size(), 2) - 1));
  };
  d.reference = [fold](const Node&, std::span<const Tensor* const> in, std::span<Tensor* const> out) {
    dispatch<Mask>(in[0]->dtype(), [&](auto tag) {
      using T = decltype(tag);
      T* y = out[0]->data_as<T>();
      const Shape& ys = out[0]->shape();
      // y = broadcast(in[0]), then y = op(y, in[k]) for each further input.
      const T* x0 = in[0]->data_as<T>();
      for_each_broadcast<1>(ys, {&in[0]->shape()}, [&](int64_t o, const auto& off) { y[o] = x0[off[0]]; });
      for (size_t k = 1; k < in.size(); ++k) {
        const T* x = in[k]->data_as<T>();
        for_each_broadcast<1>(ys, {&in[k]->shape()}, [&](int64_t o, const auto& off) {
          const T v = x[off[0]];
          switch (fold) {
            case Fold::Sum:
            case Fold::Mean: y[o] = static_cast<T>(y[o] + v); break;
            case Fold::Max: y[o] = nan_max(y[o], v); break;
            case Fold::Min: y[o] = nan_min(y[o], v); break;
          }
        });
      }
      if (fold == Fold::Mean)
        for (int64_t i = 0; i < out[0]->numel(); ++i) y[i] = static_cast<T>(y[i] / static_cast<T>(in.size()));
    });
  };
  r.add_op(std::move(d));
}

void register_where(OpRegistry& r) {
  OpDef d;
  d.op_type = "Where";
  d.since = 9;
  d.infer = [](InferContext& c) {
    c.expect_inputs(3, 3);
    check_type(c, 0, kBool);
    check_type(c, 1, kAll);
    check_same_type(c, 1, 2);
    c.set_output(0, c.dtype(1), broadcast_shapes(c, broadcast_shapes(c, c.shape(0), c.shape(1)), c.shape(2)));
  };
  d.cost = [](const CostContext& c) { return elementwise_cost(c); };
  d.reference = [](const Node&, std::span<const Tensor* const> in, std::span<Tensor* const> out) {
    dispatch_by_size(in[1]->dtype(), [&](auto tag) {
      using T = decltype(tag);
      const bool* cond = in[0]->data_as<bool>();
      const T* x = in[1]->data_as<T>();
      const T* y = in[2]->data_as<T>();
      T* z = out[0]->data_as<T>();
      for_each_broadcast<3>(out[0]->shape(), {&in[0]->shape(), &in[1]->shape(), &in[2]->shape()},
                            [&](int64_t o, const auto& off) { z[o] = cond[off[0]] ? x[off[1]] : y[off[2]]; });
    });
  };
  r.add_op(std::move(d));
}

template <typename T>
void clip_loop(const Tensor& x, Tensor& y, T lo, T hi) {
  const T* px = x.data_as<T>();
  T* py = y.data_as<T>();
  // min(max(x, lo), hi): NaN passes through; lo > hi gives hi everywhere, as the spec says.
  for (int64_t i = 0; i < x.numel(); ++i) {
    T v = px[i] < lo ? lo : px[i];
    py[i] = v > hi ? hi : v;
  }
}

// Clip as post-ops, from the attribute form (min, max attributes; defaults: no bound).
PostOps clip_post_ops(const Attributes& a) {
  return {{Eltwise::ClipV2, a.get_float("min", std::numeric_limits<float>::lowest()),
           a.get_float("max", std::numeric_limits<float>::max())}};
}

// A Clip-11+ node's bounds as the attributes of the attribute form (opsets 1-10): each input
// present must be a float32 constant of one value (nullopt when one is computed at run time);
// an omitted one is no bound, -inf or +inf as in the reference below (the attribute form's
// defaults, the largest finite floats, would turn an infinite input finite).
std::optional<Attributes> clip_bounds_as_attributes(const Node& n, std::span<const Tensor* const> inputs) {
  Attributes a;
  const char* names[] = {"min", "max"};
  const float absent[] = {-std::numeric_limits<float>::infinity(), std::numeric_limits<float>::infinity()};
  for (int i = 1; i <= 2; ++i) {
    float v = absent[i - 1];
    if (i < static_cast<int>(n.inputs.size()) && n.inputs[i] >= 0) {
      const Tensor* t = i < static_cast<int>(inputs.size()) ? inputs[i] : nullptr;
      if (!t || t->dtype() != DType::F32 || t->numel() != 1) return std::nullopt;
      v = *t->data_as<float>();
    }
    a.set(names[i - 1], v);
  }
  return a;
}

void register_clip(OpRegistry& r) {
  OpDef old;  // opsets 1-10: float attributes 'min' and 'max'
  old.op_type = "Clip";
  old.since = 1;
  old.until = 10;
  old.attributes = {{"min", AttrType::FLOAT}, {"max", AttrType::FLOAT}, legacy_consumed_inputs()};
  old.position_wise = true;
  old.activation = ActivationTrait{clip_post_ops};
  old.infer = [](InferContext& c) {
    c.expect_inputs(1, 1);
    check_type(c, 0, kFloat);
    c.set_output(0, c.dtype(0), c.shape(0));
  };
  old.cost = [](const CostContext& c) { return elementwise_cost(c, 2); };
  old.reference = [](const Node& n, std::span<const Tensor* const> in, std::span<Tensor* const> out) {
    const float lo = n.attrs.get_float("min", std::numeric_limits<float>::lowest());
    const float hi = n.attrs.get_float("max", std::numeric_limits<float>::max());
    dispatch<kFloat>(in[0]->dtype(), [&](auto tag) {
      using T = decltype(tag);
      clip_loop<T>(*in[0], *out[0], T(lo), T(hi));
    });
  };
  r.add_op(std::move(old));

  OpDef d;  // opset 11+: optional scalar inputs 'min' and 'max' (integer types from 12)
  d.op_type = "Clip";
  d.since = 11;
  d.position_wise = true;
  // Absorbed with constant bounds only, carried as the attributes of the opset 1-10 form.
  d.activation = ActivationTrait{clip_post_ops, clip_bounds_as_attributes, 10};
  d.infer = [](InferContext& c) {
    c.expect_inputs(1, 3);
    check_type(c, 0, kNumeric);
    for (int i = 1; i < 3; ++i) {
      if (!c.has_input(i)) continue;
      check_same_type(c, 0, i);
      if (shape_numel(c.shape(i)) != 1)
        c.error("input ", i, " (", i == 1 ? "min" : "max", ") must be a scalar, got shape ",
                shape_to_string(c.shape(i)));
    }
    c.set_output(0, c.dtype(0), c.shape(0));
  };
  d.cost = [](const CostContext& c) { return elementwise_cost(c, 2); };
  d.reference = [](const Node&, std::span<const Tensor* const> in, std::span<Tensor* const> out) {
    dispatch<kNumeric>(in[0]->dtype(), [&](auto tag) {
      using T = decltype(tag);
      T lo = std::numeric_limits<T>::lowest(), hi = std::numeric_limits<T>::max();
      if constexpr (std::is_floating_point_v<T>) lo = -std::numeric_limits<T>::infinity(), hi = -lo;
      if (in.size() > 1 && in[1]) lo = in[1]->data_as<T>()[0];
      if (in.size() > 2 && in[2]) hi = in[2]->data_as<T>()[0];
      clip_loop<T>(*in[0], *out[0], lo, hi);
    });
  };
  r.add_op(std::move(d));
}

}  // namespace

void register_variadic_ops(OpRegistry& r) {
  add_variadic<kFloat>(r, "Sum", Fold::Sum);
  add_variadic<kFloat>(r, "Mean", Fold::Mean);
  add_variadic<kNumeric>(r, "Max", Fold::Max);
  add_variadic<kNumeric>(r, "Min", Fold::Min);
  register_where(r);
  register_clip(r);
}

}  // namespace layerscope::elementwise
