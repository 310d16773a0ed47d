#include "ops/tensor/common.h"

#include <algorithm>
#include <cmath>

namespace layerscope {

float f16_to_float(uint16_t h) {
  uint32_t sign = static_cast<uint32_t>(h & 0x8000) << 16;
  uint32_t exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
  if (exp == 0) {  // zero or subnormal: mant * 2^-24
    float v = std::ldexp(static_cast<float>(mant), -24);
    return sign ? -v : v;
  }
  uint32_t bits = exp == 31 ? (sign | 0x7f800000u | (mant << 13)) : (sign | ((exp + 112) << 23) | (mant << 13));
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

uint16_t float_to_f16(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  uint16_t sign = static_cast<uint16_t>((x >> 16) & 0x8000);
  uint32_t a = x & 0x7fffffffu;
  if (a >= 0x7f800000u) return sign | 0x7c00 | (a > 0x7f800000u ? 0x200 : 0);  // inf / NaN
  if (a < 0x38800000u) {  // below the smallest normal half: subnormal = round(|f| * 2^24)
    float af;
    std::memcpy(&af, &a, 4);
    return sign | static_cast<uint16_t>(std::nearbyint(af * 16777216.0f));
  }
  uint32_t h = ((((a >> 23) - 127 + 15)) << 10) | ((a & 0x7fffff) >> 13);
  uint32_t rem = a & 0x1fff;
  if (rem > 0x1000 || (rem == 0x1000 && (h & 1))) ++h;  // carries into the exponent (up to inf) correctly
  if (h >= 0x7c00) h = 0x7c00;
  return sign | static_cast<uint16_t>(h);
}

uint16_t float_to_bf16(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  if ((x & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((x >> 16) | 0x40);  // quiet NaN
  return static_cast<uint16_t>((x + 0x7fff + ((x >> 16) & 1)) >> 16);
}

double element_as_double(const Tensor& t, int64_t i) {
  const void* p = t.data();
  switch (t.dtype()) {
    case DType::F16: return f16_to_float(static_cast<const uint16_t*>(p)[i]);
    case DType::BF16: return bf16_to_float(static_cast<const uint16_t*>(p)[i]);
    case DType::Bool: return static_cast<const uint8_t*>(p)[i] ? 1.0 : 0.0;
    default: {
      double v = 0;
      dispatch_numeric(t.dtype(), [&](auto tag) { v = static_cast<double>(static_cast<const decltype(tag)*>(p)[i]); });
      return v;
    }
  }
}

void store_double(DType dt, void* dst, int64_t i, double v) {
  switch (dt) {
    case DType::F16: static_cast<uint16_t*>(dst)[i] = float_to_f16(static_cast<float>(v)); break;
    case DType::BF16: static_cast<uint16_t*>(dst)[i] = float_to_bf16(static_cast<float>(v)); break;
    case DType::Bool: static_cast<uint8_t*>(dst)[i] = v != 0; break;
    default:
      dispatch_numeric(dt, [&](auto tag) {
        using T = decltype(tag);
        static_cast<T*>(dst)[i] = static_cast<T>(v);
      });
  }
}

int64_t element_as_int(const Tensor& t, int64_t i) {
  switch (t.dtype()) {
    case DType::I64: return t.data_as<int64_t>()[i];
    case DType::I32: return t.data_as<int32_t>()[i];
    case DType::U64: return static_cast<int64_t>(t.data_as<uint64_t>()[i]);
    default: return static_cast<int64_t>(element_as_double(t, i));
  }
}

Cost gather_like_cost(const CostContext& c) {
  Cost cost;
  for (size_t i = 1; i < c.inputs.size(); ++i)
    if (c.inputs[i].dtype != DType::Undefined) cost.bytes_read += c.inputs[i].bytes();
  for (const TensorInfo& t : c.outputs) cost.bytes_written += t.bytes();
  cost.bytes_read += std::min(c.inputs[0].bytes(), c.outputs.empty() ? 0 : c.outputs[0].bytes());
  return cost;
}

void expect_movable(const InferContext& ctx, int i) {
  if (!is_movable(ctx.dtype(i))) ctx.error("input ", i, " has unsupported element type ", dtype_name(ctx.dtype(i)));
}

void expect_index_dtype(const InferContext& ctx, int i) { ctx.expect_dtype_in(i, {DType::I32, DType::I64}); }

void transpose_reference(const Tensor& in, const std::vector<int64_t>& perm, Tensor& out) {
  const int rank = in.rank();
  std::vector<int64_t> in_strides = contiguous_strides(in.shape());
  std::vector<int64_t> idx(rank);
  dispatch_by_size(in.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* x = in.data_as<T>();
    T* y = out.data_as<T>();
    for (int64_t k = 0; k < out.numel(); ++k) {
      unravel(k, out.shape(), idx.data());
      int64_t off = 0;
      for (int i = 0; i < rank; ++i) off += idx[i] * in_strides[perm[i]];
      y[k] = x[off];
    }
  });
}

SliceSpec compute_slice(const Node& node, const Shape& in, const std::vector<int64_t>& starts,
                        const std::vector<int64_t>& ends, std::vector<int64_t> axes, std::vector<int64_t> steps) {
  const int rank = static_cast<int>(in.size());
  const size_t n = starts.size();
  auto err = [&](const auto&... parts) { fail(Graph::describe(node), ": ", parts...); };
  if (ends.size() != n) err("'starts' has ", n, " values but 'ends' has ", ends.size());
  if (axes.empty())
    for (size_t i = 0; i < n; ++i) axes.push_back(static_cast<int64_t>(i));
  if (steps.empty()) steps.assign(n, 1);
  if (axes.size() != n) err("'axes' has ", axes.size(), " values; expected ", n, " (one per start)");
  if (steps.size() != n) err("'steps' has ", steps.size(), " values; expected ", n, " (one per start)");
  SliceSpec s{std::vector<int64_t>(rank, 0), std::vector<int64_t>(rank, 1), in};
  std::vector<bool> seen(rank, false);
  for (size_t i = 0; i < n; ++i) {
    int64_t a = axes[i] < 0 ? axes[i] + rank : axes[i];
    if (a < 0 || a >= rank) err("slice axis ", axes[i], " is out of range for rank ", rank);
    if (seen[a]) err("slice axis ", axes[i], " is repeated");
    seen[a] = true;
    const int64_t dim = in[a], step = steps[i];
    if (step == 0 || step == INT64_MIN) err("slice step ", step, " for axis ", axes[i], " is not valid");
    int64_t b = starts[i], e = ends[i];
    if (b < 0) b += dim;
    if (e < 0) e += dim;
    int64_t count;
    if (dim == 0) {
      count = 0;
    } else if (step > 0) {
      b = std::clamp<int64_t>(b, 0, dim);
      e = std::clamp<int64_t>(e, 0, dim);
      count = e > b ? (e - b - 1) / step + 1 : 0;
    } else {
      // Walking backwards: start at most dim-1, stop at -1 at the lowest (index 0 included).
      b = std::clamp<int64_t>(b, 0, dim - 1);
      e = std::clamp<int64_t>(e, -1, dim - 1);
      count = b > e ? (b - e - 1) / -step + 1 : 0;
    }
    s.start[a] = count ? b : 0;
    s.step[a] = step;
    s.out[a] = count;
  }
  return s;
}

SliceSpec slice_spec_from_inputs(const Node& node, const Shape& in, const std::vector<const Tensor*>& values) {
  if (node.opset < 10) {
    if (!node.attrs.has("starts") || !node.attrs.has("ends"))
      fail(Graph::describe(node), ": attributes 'starts' and 'ends' are required");
    return compute_slice(node, in, node.attrs.get_ints("starts"), node.attrs.get_ints("ends"),
                         node.attrs.get_ints("axes"), {});
  }
  auto ints = [&](size_t i) {
    std::vector<int64_t> v;
    if (i < values.size() && values[i]) {
      v.resize(values[i]->numel());
      for (int64_t k = 0; k < values[i]->numel(); ++k) v[k] = element_as_int(*values[i], k);
    }
    return v;
  };
  return compute_slice(node, in, ints(1), ints(2), ints(3), ints(4));
}

}  // namespace layerscope
