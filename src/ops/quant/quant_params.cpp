#include "ops/quant/quant_params.h"

#include <functional>

#include "ir/int4.h"
#include "ops/elementwise/half.h"

namespace layerscope::quant {
namespace {

using ErrorFn = std::function<void(const std::string&)>;

std::string str(const Shape& s) { return shape_to_string(s); }

ParamLayout resolve(const Shape& x, const Shape& scale, int64_t axis, int64_t block_size, bool per_axis_allowed,
                    const ErrorFn& error) {
  ParamLayout p;
  const int rank = static_cast<int>(x.size());
  if (block_size < 0) error("attribute block_size = " + std::to_string(block_size) + " must be >= 0");
  // A one-element 1-D scale is per tensor, as in ONNX's reference and onnxruntime.
  const bool scalar = scale.empty() || (scale.size() == 1 && scale[0] == 1 && block_size == 0);
  if (scalar) return p;
  if (!per_axis_allowed)
    error("scale has shape " + str(scale) + "; this opset quantizes per tensor only (a scalar scale)");
  const int64_t a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank)
    error("attribute axis = " + std::to_string(axis) + " is out of range for input x of shape " + str(x) +
          " (a non-scalar scale quantizes along an axis of x)");
  p.per_tensor = false;
  p.axis = static_cast<int>(a);
  for (int d = 0; d < p.axis; ++d) p.outer *= x[d];
  p.axis_dim = x[p.axis];
  for (int d = p.axis + 1; d < rank; ++d) p.inner *= x[d];
  if (block_size == 0) {
    if (scale.size() != 1 || scale[0] != p.axis_dim)
      error("scale has shape " + str(scale) + ", which is neither a scalar (per tensor) nor (" +
            std::to_string(p.axis_dim) + ") (per axis: one per index of axis " + std::to_string(axis) + " of x " +
            str(x) + ")");
    return p;
  }
  p.block = block_size;
  p.blocks = (p.axis_dim + block_size - 1) / block_size;
  Shape want = x;
  want[p.axis] = p.blocks;
  if (scale != want)
    error("scale has shape " + str(scale) + "; blocked quantization of x " + str(x) + " along axis " +
          std::to_string(axis) + " with block_size " + std::to_string(block_size) + " needs " + str(want));
  return p;
}

}  // namespace

ParamLayout param_layout(const InferContext& ctx, const Shape& x, const Shape& scale, int64_t axis, int64_t block_size,
                         bool per_axis_allowed) {
  return resolve(x, scale, axis, block_size, per_axis_allowed, [&](const std::string& m) { ctx.error(m); });
}

ParamLayout param_layout(const Shape& x, const Shape& scale, int64_t axis, int64_t block_size) {
  return resolve(x, scale, axis, block_size, true, [](const std::string& m) { fail(m); });
}

void check_zero_point(const InferContext& ctx, int zp_index, const char* zp_name, int scale_index, DType want) {
  if (!ctx.has_input(zp_index)) return;
  if (ctx.dtype(zp_index) != want)
    ctx.error("zero point ", zp_name, " has type ", dtype_name(ctx.dtype(zp_index)), "; expected ", dtype_name(want));
  const Shape& zs = ctx.shape(zp_index);
  const Shape& ss = ctx.shape(scale_index);
  // Per tensor, a scalar and a one-element vector are interchangeable.
  if (zs != ss && !(shape_numel(zs) == 1 && shape_numel(ss) == 1 && zs.size() <= 1 && ss.size() <= 1))
    ctx.error("zero point ", zp_name, " has shape ", str(zs), " but its scale has shape ", str(ss),
              "; they must match");
}

bool is_scale_type(DType t) { return t == DType::F32 || t == DType::F16 || t == DType::BF16; }

float load_float(const Tensor& t, int64_t i) {
  switch (t.dtype()) {
    case DType::F32: return t.data_as<float>()[i];
    case DType::F16: return elementwise::half_bits_to_float(t.data_as<uint16_t>()[i]);
    case DType::BF16: return elementwise::bfloat16_bits_to_float(t.data_as<uint16_t>()[i]);
    case DType::I32: return static_cast<float>(t.data_as<int32_t>()[i]);
    default: fail("expected a FLOAT, FLOAT16, BFLOAT16 or INT32 tensor, got ", dtype_name(t.dtype()));
  }
}

void store_float(Tensor& t, int64_t i, float v) {
  switch (t.dtype()) {
    case DType::F32: t.data_as<float>()[i] = v; break;
    case DType::F16: t.data_as<uint16_t>()[i] = elementwise::float_to_half_bits(v); break;
    case DType::BF16: t.data_as<uint16_t>()[i] = elementwise::float_to_bfloat16_bits(v); break;
    default: fail("expected a FLOAT, FLOAT16 or BFLOAT16 output, got ", dtype_name(t.dtype()));
  }
}

std::vector<float> floats_of(const Tensor& t) {
  std::vector<float> v(static_cast<size_t>(t.numel()));
  for (int64_t i = 0; i < t.numel(); ++i) v[i] = load_float(t, i);
  return v;
}

std::vector<int32_t> ints_of(const Tensor* t) {
  if (!t) return {0};
  std::vector<int32_t> v(static_cast<size_t>(t->numel()));
  if (is_int4(t->dtype())) {  // one byte per element: INT4 sign-extended, UINT4 as is
    for (int64_t i = 0; i < t->numel(); ++i)
      v[i] = t->dtype() == DType::I4 ? t->data_as<int8_t>()[i] : t->data_as<uint8_t>()[i];
    return v;
  }
  dispatch_quant_int(t->dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* p = t->data_as<T>();
    for (int64_t i = 0; i < t->numel(); ++i) v[i] = static_cast<int32_t>(p[i]);
  });
  return v;
}

float round_to(DType t, double v) {
  switch (t) {
    case DType::F16: return elementwise::half_bits_to_float(elementwise::float_to_half_bits(v));
    case DType::BF16: return elementwise::bfloat16_bits_to_float(elementwise::float_to_bfloat16_bits(v));
    default: return static_cast<float>(v);
  }
}

std::string type_list(std::span<const DType> types) {
  std::string s;
  for (DType t : types) s += std::string(s.empty() ? "" : ", ") + dtype_name(t);
  return s;
}

}  // namespace layerscope::quant
