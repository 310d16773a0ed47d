// Native float32 kernels for the elementwise ops real models spend time in:
//   native:binary  Add Sub Mul Div, Max Min of two inputs (numpy broadcasting, any shapes; an
//                  activation with a per-channel vector also in channels-last / blocked layouts)
//   native:compare Greater Less Equal GreaterOrEqual LessOrEqual of float32 (bool output)
//   native:unary   Relu Sigmoid Tanh Erf Gelu Sqrt Exp
//   native:pow     Pow with a constant scalar exponent 2 or 0.5
//   native:clip    Clip;  native:hardsigmoid  HardSigmoid;  native:where  Where with float32 values
// Everything else (other types, legacy broadcasting, other exponents) falls back to the
// reference kernel: each supports() accepts only what its kernel implements.
// Binary, unary, pow and clip may run in place (Kernel::output_sharing): the output then
// overwrites an input of the output's size. Their loops read element i of every input before
// writing element i and never read it again, and claim no __restrict between input and output.
#include <cmath>
#include <functional>
#include <limits>

#include "kernels/kernel_registry.h"
#include "kernels/native/channel_broadcast.h"
#include "kernels/native/elementwise_broadcast.h"
#include "kernels/native/elementwise_math.h"

namespace layerscope {

namespace native {
namespace {

constexpr int kPriority = 10;

bool all_f32(const std::vector<TensorInfo>& infos, std::initializer_list<int> which) {
  for (int i : which)
    if (i >= static_cast<int>(infos.size()) || infos[i].dtype != DType::F32) return false;
  return true;
}

class ElementwiseKernel : public Kernel {
 public:
  explicit ElementwiseKernel(std::string name) : name_(std::move(name)) {}
  std::string name() const override { return name_; }
  void prepare(const KernelSetup& s) override {
    threads_ = std::max(1, s.threads);
    std::vector<Shape> in;
    for (const TensorInfo& t : s.inputs) in.push_back(t.shape);
    prepare_shapes(s.outputs[0].shape, in);
    // In-place candidates: the activation inputs the output does not broadcast (same count).
    in_place_inputs_.clear();
    position_wise_ = true;
    for (int k = 0; k < static_cast<int>(s.inputs.size()); ++k) {
      if (s.node.inputs[k] < 0 || k >= in_place_operands()) continue;
      const bool full = shape_numel(s.inputs[k].shape) == shape_numel(s.outputs[0].shape);
      if (full) in_place_inputs_.push_back(k);
      position_wise_ = position_wise_ && full;
    }
  }
  OutputSharing output_sharing() const override {
    return {OutputSharing::Mode::InPlace, in_place_inputs_, position_wise_};
  }

 protected:
  virtual void prepare_shapes(const Shape& out, const std::vector<Shape>& in) {}
  // Inputs read element by element (the rest, e.g. Clip's bounds or Pow's exponent, are not
  // candidates; a kernel reading such an input makes itself not position-wise).
  virtual int in_place_operands() const { return 1; }
  std::vector<int> in_place_inputs_;
  bool position_wise_ = true;
  std::string name_;
  int threads_ = 1;
};

// ---- Add Sub Mul Div, Max Min (two inputs), Greater Less Equal GreaterOrEqual LessOrEqual ----

enum class BinOp { Add, Sub, Mul, Div, Max, Min, Greater, Less, Equal, GreaterOrEqual, LessOrEqual };

constexpr bool is_comparison(BinOp op) { return op >= BinOp::Greater; }

// Element i of the result. Max and Min as the reference folds them (ops/elementwise/variadic.cpp):
// a NaN in either input comes out, and of two equal values (+0 and -0) the first.
template <BinOp Op>
auto binary_fn(float u, float v) {
  if constexpr (Op == BinOp::Add) return u + v;
  if constexpr (Op == BinOp::Sub) return u - v;
  if constexpr (Op == BinOp::Mul) return u * v;
  if constexpr (Op == BinOp::Div) return u / v;
  if constexpr (Op == BinOp::Max) return (v > u || v != v) ? v : u;
  if constexpr (Op == BinOp::Min) return (v < u || v != v) ? v : u;
  if constexpr (Op == BinOp::Greater) return static_cast<uint8_t>(u > v);
  if constexpr (Op == BinOp::Less) return static_cast<uint8_t>(u < v);
  if constexpr (Op == BinOp::Equal) return static_cast<uint8_t>(u == v);
  if constexpr (Op == BinOp::GreaterOrEqual) return static_cast<uint8_t>(u >= v);
  if constexpr (Op == BinOp::LessOrEqual) return static_cast<uint8_t>(u <= v);
}

// y may be a or b (in place): no __restrict; `omp simd` still vectorises, which is safe
// because each iteration only reads the index it writes.
template <typename F, typename Y>
void binary_run(F f, const float* a, int64_t sa, const float* b, int64_t sb, Y* y, int64_t n) {
  if (sa && sb) {
#pragma omp simd
    for (int64_t i = 0; i < n; ++i) y[i] = f(a[i], b[i]);
  } else if (sa) {
    const float bv = *b;
#pragma omp simd
    for (int64_t i = 0; i < n; ++i) y[i] = f(a[i], bv);
  } else if (sb) {
    const float av = *a;
#pragma omp simd
    for (int64_t i = 0; i < n; ++i) y[i] = f(av, b[i]);
  } else {
    const Y v = f(*a, *b);
    for (int64_t i = 0; i < n; ++i) y[i] = v;
  }
}

template <BinOp Op>
class BinaryKernel final : public ElementwiseKernel {
 public:
  using Out = decltype(binary_fn<Op>(0.f, 0.f));
  BinaryKernel() : ElementwiseKernel(is_comparison(Op) ? "native:compare" : "native:binary") {}
  void prepare(const KernelSetup& s) override {
    ElementwiseKernel::prepare(s);
    layout_ = s.output_layout(0);
    if (layout_ != Layout::Plain) per_channel_ = channel_broadcast_of(s);
  }
  void prepare_shapes(const Shape& out, const std::vector<Shape>& in) override { plan_ = make_broadcast_plan(out, in); }
  int in_place_operands() const override { return 2; }
  // A comparison writes one byte per float: it cannot run over its input.
  OutputSharing output_sharing() const override {
    return is_comparison(Op) ? OutputSharing{} : ElementwiseKernel::output_sharing();
  }
  void execute(std::span<const Tensor* const> in, std::span<Tensor* const> out, void*) override {
    const float* a = in[0]->data_as<float>();
    const float* b = in[1]->data_as<float>();
    Out* y = out[0]->data_as<Out>();
    // A lambda, not binary_fn<Op> itself: a function pointer reaching the loops through an
    // OpenMP region is an indirect call per element (the per-channel path ran 17x slower).
    const auto f = [](float u, float v) { return binary_fn<Op>(u, v); };
    if constexpr (!is_comparison(Op)) {
      if (per_channel_) {
        const int full = per_channel_->full;
        return run_channel_broadcast(*per_channel_, layout_, f, full ? b : a, full ? a : b, y, threads_);
      }
    }
    for_each_run(plan_, threads_, [&](const auto& off, int64_t o, int64_t len) {
      binary_run(f, a + off[0], plan_.inner_stride[0], b + off[1], plan_.inner_stride[1], y + o, len);
    });
  }

 private:
  BroadcastPlan plan_;
  Layout layout_ = Layout::Plain;
  std::optional<ChannelBroadcast> per_channel_;  // set when running in a non-Plain layout
};

// Outside Plain, only an activation combined with a per-channel vector, in the activation's
// layout without channel padding (kernels/native/channel_broadcast.h).
bool per_channel_layouts_ok(const KernelSetup& s) {
  const std::optional<ChannelBroadcast> b = channel_broadcast_of(s);
  const Layout l = s.output_layout(0);
  return b && l != Layout::Plain && padding_free(s.outputs[0].shape, l) && s.input_layout(b->full) == l &&
         s.input_layout(1 - b->full) == Layout::Plain;
}

// `since`: the opset from which the op broadcasts numpy-style (Max and Min: 8, the rest: 7).
template <BinOp Op>
KernelDef binary_def(const char* op, int since = 7) {
  KernelDef d;
  d.op_type = op;
  d.name = is_comparison(Op) ? "native:compare" : "native:binary";
  d.priority = kPriority;
  d.supports = [since](const KernelSetup& s) {
    const bool out_ok = is_comparison(Op) ? s.outputs[0].dtype == DType::Bool : all_f32(s.outputs, {0});
    if (s.node.opset < since || s.inputs.size() != 2 || !all_f32(s.inputs, {0, 1}) || !out_ok) return false;
    return s.all_plain() || (!is_comparison(Op) && per_channel_layouts_ok(s));
  };
  d.create = [] { return std::make_unique<BinaryKernel<Op>>(); };
  if constexpr (!is_comparison(Op)) {
    // A squeeze-excitation's scale follows its activation's layout: no Reorders around it.
    d.accepts_layouts = true;
    d.preferred_layouts = [](const KernelSetup& s) -> std::optional<LayoutChoice> {
      const std::optional<ChannelBroadcast> b = channel_broadcast_of(s);
      if (!b) return std::nullopt;
      LayoutChoice c;
      c.follows_input = true;
      c.followed_input = b->full;
      return c;
    };
  }
  return d;
}

// ---- Relu Sigmoid Tanh Erf Gelu Sqrt, Pow(x, 2 | 0.5) -------------------------------------

using ArrayFn = void (*)(const float*, float*, int64_t);
// Chooses the array function for a node at prepare time (e.g. Gelu's variant).
using PickFn = std::function<ArrayFn(const KernelSetup&)>;

class UnaryKernel final : public ElementwiseKernel {
 public:
  UnaryKernel(std::string name, PickFn pick) : ElementwiseKernel(std::move(name)), pick_(std::move(pick)) {}
  void prepare(const KernelSetup& s) override {
    ElementwiseKernel::prepare(s);
    fn_ = pick_(s);
  }
  void execute(std::span<const Tensor* const> in, std::span<Tensor* const> out, void*) override {
    const float* x = in[0]->data_as<float>();
    float* y = out[0]->data_as<float>();
    const ArrayFn fn = fn_;
    for_each_chunk(out[0]->numel(), threads_, [&](int64_t b, int64_t e) { fn(x + b, y + b, e - b); });
  }

 private:
  PickFn pick_;
  ArrayFn fn_ = nullptr;
};

KernelDef unary_def(const char* op, const char* name, PickFn pick, std::function<bool(const KernelSetup&)> extra) {
  KernelDef d;
  d.op_type = op;
  d.name = name;
  d.priority = kPriority;
  d.supports = [extra](const KernelSetup& s) {
    return all_f32(s.inputs, {0}) && all_f32(s.outputs, {0}) && (!extra || extra(s));
  };
  d.create = [name, pick] { return std::make_unique<UnaryKernel>(name, pick); };
  return d;
}

KernelDef unary_def(const char* op, ArrayFn fn) {
  return unary_def(
      op, "native:unary", [fn](const KernelSetup&) { return fn; }, nullptr);
}

KernelDef gelu_def() {
  auto approx = [](const KernelSetup& s) { return s.node.attrs.get_string("approximate", "none"); };
  return unary_def(
      "Gelu", "native:unary", [approx](const KernelSetup& s) { return approx(s) == "tanh" ? gelu_tanh_f32 : gelu_f32; },
      [approx](const KernelSetup& s) { return approx(s) == "none" || approx(s) == "tanh"; });
}

// The constant scalar exponent of a Pow node, if it is one (else NaN).
double constant_exponent(const KernelSetup& s) {
  if (s.constants.size() < 2 || !s.constants[1] || s.constants[1]->numel() != 1) return NAN;
  const Tensor& e = *s.constants[1];
  switch (e.dtype()) {
    case DType::F32: return e.data_as<float>()[0];
    case DType::F64: return e.data_as<double>()[0];
    case DType::I32: return e.data_as<int32_t>()[0];
    case DType::I64: return static_cast<double>(e.data_as<int64_t>()[0]);
    default: return NAN;
  }
}

// Pow(x, 2) = x * x exactly; Pow(x, 0.5) = sqrt with pow's signed-zero/-inf rules. The
// output may have a higher rank than x (a [1,1] exponent) but never more elements.
KernelDef pow_def() {
  return unary_def(
      "Pow", "native:pow", [](const KernelSetup& s) { return constant_exponent(s) == 2.0 ? square_f32 : pow_half_f32; },
      [](const KernelSetup& s) {
        const double e = constant_exponent(s);
        return s.node.opset >= 7 && (e == 2.0 || e == 0.5) &&
               shape_numel(s.outputs[0].shape) == shape_numel(s.inputs[0].shape);
      });
}

// ---- Clip, Where ----------------------------------------------------------------------------

class ClipKernel final : public ElementwiseKernel {
 public:
  ClipKernel() : ElementwiseKernel("native:clip") {}
  // The bounds (inputs 1, 2) are read whole before the loop, not element by element.
  void prepare(const KernelSetup& s) override {
    ElementwiseKernel::prepare(s);
    position_wise_ = position_wise_ && s.inputs.size() == 1;
    attribute_bounds_ = s.node.opset < 11;  // before opset 11 they are attributes
    if (attribute_bounds_) {
      lo_ = s.node.attrs.get_float("min", std::numeric_limits<float>::lowest());
      hi_ = s.node.attrs.get_float("max", std::numeric_limits<float>::max());
    }
  }
  void execute(std::span<const Tensor* const> in, std::span<Tensor* const> out, void*) override {
    float lo = -INFINITY, hi = INFINITY;
    if (attribute_bounds_) {
      lo = lo_;
      hi = hi_;
    } else {
      if (in.size() > 1 && in[1]) lo = in[1]->data_as<float>()[0];
      if (in.size() > 2 && in[2]) hi = in[2]->data_as<float>()[0];
    }
    const float* x = in[0]->data_as<float>();
    float* y = out[0]->data_as<float>();
    for_each_chunk(out[0]->numel(), threads_, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) {
        const float v = x[i] < lo ? lo : x[i];  // NaN passes through both compares
        y[i] = v > hi ? hi : v;
      }
    });
  }

 private:
  bool attribute_bounds_ = false;
  float lo_ = 0.f, hi_ = 0.f;
};

// HardSigmoid: y = max(0, min(1, alpha x + beta)) with std::min/max's operand order, as the
// reference computes it (a NaN comes out as 1); oneDNN's clip would give 0.
class HardSigmoidKernel final : public ElementwiseKernel {
 public:
  HardSigmoidKernel() : ElementwiseKernel("native:hardsigmoid") {}
  void prepare(const KernelSetup& s) override {
    ElementwiseKernel::prepare(s);
    alpha_ = s.node.attrs.get_float("alpha", 0.2f);
    beta_ = s.node.attrs.get_float("beta", 0.5f);
  }
  void execute(std::span<const Tensor* const> in, std::span<Tensor* const> out, void*) override {
    const float* x = in[0]->data_as<float>();
    float* y = out[0]->data_as<float>();
    const float alpha = alpha_, beta = beta_;
    for_each_chunk(out[0]->numel(), threads_, [&](int64_t b, int64_t e) {
#pragma omp simd
      for (int64_t i = b; i < e; ++i) {
        const float v = alpha * x[i] + beta;
        const float m = v < 1.f ? v : 1.f;  // std::min(1, v)
        y[i] = 0.f < m ? m : 0.f;           // std::max(0, m)
      }
    });
  }

 private:
  float alpha_ = 0.2f, beta_ = 0.5f;
};

class WhereKernel final : public ElementwiseKernel {
 public:
  WhereKernel() : ElementwiseKernel("native:where") {}
  OutputSharing output_sharing() const override { return {}; }  // its loop uses __restrict
  void prepare_shapes(const Shape& out, const std::vector<Shape>& in) override { plan_ = make_broadcast_plan(out, in); }
  void execute(std::span<const Tensor* const> in, std::span<Tensor* const> out, void*) override {
    const uint8_t* c = in[0]->data_as<uint8_t>();
    const float* x = in[1]->data_as<float>();
    const float* y = in[2]->data_as<float>();
    float* z = out[0]->data_as<float>();
    for_each_run(plan_, threads_, [&](const auto& off, int64_t o, int64_t len) {
      // Instantiate the loop per stride pattern so that each one vectorises.
      auto loop = [&](auto sc, auto sx, auto sy) {
        const uint8_t* __restrict pc = c + off[0];
        const float* __restrict px = x + off[1];
        const float* __restrict py = y + off[2];
        float* __restrict pz = z + o;
        for (int64_t i = 0; i < len; ++i) {
          const float a = px[i * sx], b = py[i * sy];  // unconditional loads: a blend, not a branch
          pz[i] = pc[i * sc] ? a : b;
        }
      };
      using One = std::integral_constant<int64_t, 1>;
      using Zero = std::integral_constant<int64_t, 0>;
      auto with_y = [&](auto sc, auto sx) { plan_.inner_stride[2] ? loop(sc, sx, One{}) : loop(sc, sx, Zero{}); };
      auto with_x = [&](auto sc) { plan_.inner_stride[1] ? with_y(sc, One{}) : with_y(sc, Zero{}); };
      plan_.inner_stride[0] ? with_x(One{}) : with_x(Zero{});
    });
  }

 private:
  BroadcastPlan plan_;
};

}  // namespace
}  // namespace native

void register_native_elementwise_kernels(KernelRegistry& r) {
  using namespace native;
  r.add_kernel(binary_def<BinOp::Add>("Add"));
  r.add_kernel(binary_def<BinOp::Sub>("Sub"));
  r.add_kernel(binary_def<BinOp::Mul>("Mul"));
  r.add_kernel(binary_def<BinOp::Div>("Div"));
  r.add_kernel(binary_def<BinOp::Max>("Max", 8));
  r.add_kernel(binary_def<BinOp::Min>("Min", 8));
  r.add_kernel(binary_def<BinOp::Greater>("Greater"));
  r.add_kernel(binary_def<BinOp::Less>("Less"));
  r.add_kernel(binary_def<BinOp::Equal>("Equal"));
  r.add_kernel(binary_def<BinOp::GreaterOrEqual>("GreaterOrEqual", 12));
  r.add_kernel(binary_def<BinOp::LessOrEqual>("LessOrEqual", 12));
  r.add_kernel(unary_def("Relu", relu_f32));
  r.add_kernel(unary_def("Sigmoid", sigmoid_f32));
  r.add_kernel(unary_def("Tanh", tanh_f32));
  r.add_kernel(unary_def("Erf", erf_f32));
  r.add_kernel(unary_def("Sqrt", sqrt_f32));
  r.add_kernel(unary_def("Exp", exp_f32));
  r.add_kernel(gelu_def());
  r.add_kernel(pow_def());

  KernelDef clip;
  clip.op_type = "Clip";
  clip.name = "native:clip";
  clip.priority = kPriority;
  clip.supports = [](const KernelSetup& s) { return all_f32(s.inputs, {0}) && all_f32(s.outputs, {0}); };
  clip.create = [] { return std::make_unique<ClipKernel>(); };
  r.add_kernel(std::move(clip));

  KernelDef hard_sigmoid;
  hard_sigmoid.op_type = "HardSigmoid";
  hard_sigmoid.name = "native:hardsigmoid";
  hard_sigmoid.priority = kPriority;
  hard_sigmoid.supports = [](const KernelSetup& s) { return all_f32(s.inputs, {0}) && all_f32(s.outputs, {0}); };
  hard_sigmoid.create = [] { return std::make_unique<HardSigmoidKernel>(); };
  r.add_kernel(std::move(hard_sigmoid));

  KernelDef where;
  where.op_type = "Where";
  where.name = "native:where";
  where.priority = kPriority;
  where.supports = [](const KernelSetup& s) {
    return s.inputs.size() == 3 && s.inputs[0].dtype == DType::Bool && all_f32(s.inputs, {1, 2}) &&
           all_f32(s.outputs, {0});
  };
  where.create = [] { return std::make_unique<WhereKernel>(); };
  r.add_kernel(std::move(where));
}

}  // namespace layerscope
