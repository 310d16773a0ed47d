// Random number ops: RandomUniform, RandomNormal, RandomUniformLike, RandomNormalLike,
// Bernoulli, Multinomial.
//
// Reproducibility (layerscope's choice; ONNX leaves an unseeded op's stream to the runtime):
// every execution of a node draws the same numbers. The stream is a 64-bit Mersenne Twister
// (std::mt19937_64, exactly specified by the C++ standard) seeded with the node's `seed`
// attribute (its float bits) when given, else with a hash (FNV-1a) of the node's name
// (the loader names unnamed nodes deterministically), so one model gives the same values in every run, on every
// machine, optimised or not; a node without inputs that is folded into a constant at plan time is therefore no
// different from one executed per run. Numbers do not match numpy's or onnxruntime's generators. Uniform u in [0, 1):
// the top 53 bits of a draw / 2^53; normal: Box-Muller over two uniforms.
#include <cmath>
#include <cstring>
#include <random>

#include "ops/op_registry.h"
#include "ops/tensor/common.h"

namespace layerscope {

namespace {

class NodeRandom {
 public:
  explicit NodeRandom(const Node& n) : engine_(seed_of(n)) {}
  double uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }
  double normal() {
    const double u1 = 1.0 - uniform();  // (0, 1]: log(u1) is finite
    const double u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
  }

 private:
  static uint64_t seed_of(const Node& n) {
    if (n.attrs.has("seed")) {
      const float s = n.attrs.get_float("seed", 0.0f);
      uint32_t bits;
      std::memcpy(&bits, &s, 4);
      return bits;
    }
    uint64_t h = 1469598103934665603ull;  // FNV-1a over the node's name
    for (unsigned char ch : n.name) h = (h ^ ch) * 1099511628211ull;
    return h;
  }
  std::mt19937_64 engine_;
};

bool is_random_float(DType dt) { return dt == DType::F32 || dt == DType::F64 || dt == DType::F16 || dt == DType::BF16; }

// The `dtype` attribute, else `dflt`; must be one of the float types.
DType float_dtype_attr(const InferContext& c, DType dflt) {
  if (!c.attrs().has("dtype")) return dflt;
  const int64_t code = c.attrs().get_int("dtype", 0);
  const DType dt = static_cast<DType>(code);
  if (!is_random_float(dt))
    c.error("attribute 'dtype' = ", code, " must name a float type (FLOAT16, FLOAT, DOUBLE, BFLOAT16)");
  return dt;
}

Cost random_cost(const CostContext& c) {
  Cost cost;
  cost.bytes_written = c.outputs[0].bytes();  // the *Like ops read only their input's shape
  cost.other_ops = 4.0 * static_cast<double>(shape_numel(c.outputs[0].shape));
  return cost;
}

enum class Dist { Uniform, Normal };

// y = low + (high - low) * u, or y = mean + scale * z with z ~ N(0, 1).
void fill(const Node& n, Dist dist, Tensor& y) {
  NodeRandom rng(n);
  const double a = dist == Dist::Uniform ? n.attrs.get_float("low", 0.0f) : n.attrs.get_float("mean", 0.0f);
  const double b = dist == Dist::Uniform ? n.attrs.get_float("high", 1.0f) : n.attrs.get_float("scale", 1.0f);
  for (int64_t i = 0; i < y.numel(); ++i) {
    const double v = dist == Dist::Uniform ? a + (b - a) * rng.uniform() : a + b * rng.normal();
    store_double(y.dtype(), y.data(), i, v);
  }
}

std::vector<AttrSpec> dist_attributes(Dist dist, bool like) {
  std::vector<AttrSpec> a = {{"dtype", AttrType::INT}, {"seed", AttrType::FLOAT}};
  if (dist == Dist::Uniform) a.insert(a.end(), {{"high", AttrType::FLOAT}, {"low", AttrType::FLOAT}});
  else a.insert(a.end(), {{"mean", AttrType::FLOAT}, {"scale", AttrType::FLOAT}});
  if (!like) a.push_back({"shape", AttrType::INTS});
  return a;
}

// RandomUniform / RandomNormal: shape from the attribute, float by default.
OpDef random_def(const char* op_type, Dist dist) {
  OpDef d = op_def(op_type, 1);
  d.attributes = dist_attributes(dist, false);
  d.infer = [](InferContext& c) {
    c.expect_inputs(0, 0);
    if (!c.attrs().has("shape")) c.error("attribute 'shape' is required");
    const Shape s = c.attrs().get_ints("shape");
    for (int64_t v : s)
      if (v < 0) c.error("attribute 'shape' ", shape_to_string(s), " has a negative dimension");
    c.set_output(0, float_dtype_attr(c, DType::F32), s);
  };
  d.reference = [dist](const Node& n, std::span<const Tensor* const>, std::span<Tensor* const> out) {
    fill(n, dist, *out[0]);
  };
  d.cost = random_cost;
  return d;
}

// RandomUniformLike / RandomNormalLike: the input's shape; its type unless `dtype` is given.
OpDef random_like_def(const char* op_type, Dist dist) {
  OpDef d = op_def(op_type, 1);
  d.attributes = dist_attributes(dist, true);
  d.infer = [](InferContext& c) {
    c.expect_inputs(1, 1);
    if (!c.attrs().has("dtype") && !is_random_float(c.dtype(0)))
      c.error("input has type ", dtype_name(c.dtype(0)),
              ": without attribute 'dtype' the output takes the input's type, ", "which must be a float type");
    c.set_output(0, float_dtype_attr(c, c.dtype(0)), c.shape(0));
  };
  d.reference = [dist](const Node& n, std::span<const Tensor* const>, std::span<Tensor* const> out) {
    fill(n, dist, *out[0]);
  };
  d.cost = random_cost;
  return d;
}

// Bernoulli: y[i] = 1 when u[i] < p[i] (so P(y = 1) = p), else 0, in `dtype` (default: p's).
OpDef bernoulli_def() {
  OpDef d = op_def("Bernoulli", 15);
  d.attributes = {{"dtype", AttrType::INT}, {"seed", AttrType::FLOAT}};
  d.infer = [](InferContext& c) {
    c.expect_inputs(1, 1);
    c.expect_dtype_in(0, {DType::F32, DType::F64, DType::F16, DType::BF16});
    DType dt = c.dtype(0);
    if (c.attrs().has("dtype")) {
      const int64_t code = c.attrs().get_int("dtype", 0);
      dt = static_cast<DType>(code);
      if (!is_arith(dt) && dt != DType::Bool)
        c.error("attribute 'dtype' = ", code, " is not a numeric or bool element type");
    }
    c.set_output(0, dt, c.shape(0));
  };
  d.reference = [](const Node& n, std::span<const Tensor* const> in, std::span<Tensor* const> out) {
    NodeRandom rng(n);
    Tensor& y = *out[0];
    for (int64_t i = 0; i < y.numel(); ++i)
      store_double(y.dtype(), y.data(), i, rng.uniform() < element_as_double(*in[0], i) ? 1.0 : 0.0);
  };
  d.cost = [](const CostContext& c) {
    Cost cost = bytes_only_cost(c);
    cost.other_ops = 2.0 * static_cast<double>(shape_numel(c.outputs[0].shape));
    return cost;
  };
  return d;
}

// Multinomial: input [batch, classes] of unnormalised log-probabilities; output [batch,
// sample_size] of class indices drawn from softmax(row) (inverse transform sampling over the
// cumulative sum), int32 by default.
OpDef multinomial_def() {
  OpDef d = op_def("Multinomial", 7);
  d.attributes = {{"dtype", AttrType::INT}, {"sample_size", AttrType::INT}, {"seed", AttrType::FLOAT}};
  d.infer = [](InferContext& c) {
    c.expect_inputs(1, 1);
    c.expect_dtype_in(0, {DType::F32, DType::F64, DType::F16, DType::BF16});
    if (c.rank(0) != 2) c.error("input must be [batch, classes], got shape ", shape_to_string(c.shape(0)));
    if (c.shape(0)[1] < 1) c.error("input has no classes (shape ", shape_to_string(c.shape(0)), ")");
    const int64_t samples = c.attrs().get_int("sample_size", 1);
    if (samples < 1) c.error("attribute 'sample_size' must be positive, got ", samples);
    const int64_t code = c.attrs().get_int("dtype", static_cast<int64_t>(DType::I32));
    const DType dt = static_cast<DType>(code);
    if (dt != DType::I32 && dt != DType::I64) c.error("attribute 'dtype' = ", code, " must be INT32 (6) or INT64 (7)");
    c.set_output(0, dt, {c.shape(0)[0], samples});
  };
  d.reference = [](const Node& n, std::span<const Tensor* const> in, std::span<Tensor* const> out) {
    NodeRandom rng(n);
    const Tensor& x = *in[0];
    Tensor& y = *out[0];
    const int64_t batch = x.dim(0), classes = x.dim(1), samples = y.dim(1);
    std::vector<double> cumulative(classes);
    for (int64_t b = 0; b < batch; ++b) {
      double top = -INFINITY;
      for (int64_t k = 0; k < classes; ++k) top = std::max(top, element_as_double(x, b * classes + k));
      double sum = 0;
      for (int64_t k = 0; k < classes; ++k) {
        const double v = element_as_double(x, b * classes + k);
        sum += std::exp(v - top);
        cumulative[k] = sum;
      }
      if (!std::isfinite(top) || !std::isfinite(sum))
        fail(Graph::describe(n), ": row ", b,
             " of the input has no finite maximum log-probability (all -inf, +inf or NaN)");
      for (int64_t s = 0; s < samples; ++s) {
        const double u = rng.uniform() * sum;
        int64_t k = 0;
        while (k + 1 < classes && cumulative[k] <= u) ++k;
        store_double(y.dtype(), y.data(), b * samples + s, static_cast<double>(k));
      }
    }
  };
  d.cost = [](const CostContext& c) {
    Cost cost = bytes_only_cost(c);
    cost.other_ops = 2.0 * static_cast<double>(shape_numel(c.inputs[0].shape) + shape_numel(c.outputs[0].shape));
    return cost;
  };
  return d;
}

}  // namespace

void register_random_ops(OpRegistry& r) {
  r.add_op(random_def("RandomUniform", Dist::Uniform));
  r.add_op(random_def("RandomNormal", Dist::Normal));
  r.add_op(random_like_def("RandomUniformLike", Dist::Uniform));
  r.add_op(random_like_def("RandomNormalLike", Dist::Normal));
  r.add_op(bernoulli_def());
  r.add_op(multinomial_def());
}

}  // namespace layerscope
