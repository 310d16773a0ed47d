// The elementwise family: registration entry point and the helpers every part shares.
// The ops themselves live in {unary,activation,binary,variadic,cast}.cpp of this folder.
#include "ops/elementwise/common.h"
#include "ops/op_registry.h"

namespace layerscope {

namespace elementwise {

void register_unary_ops(OpRegistry& r);       // Abs .. Not, BitwiseNot
void register_activation_ops(OpRegistry& r);  // Relu .. Gelu, PRelu
void register_binary_ops(OpRegistry& r);      // arithmetic, comparison, logical, bitwise
void register_variadic_ops(OpRegistry& r);    // Sum Mean Max Min, Where, Clip
void register_cast_ops(OpRegistry& r);        // Cast, CastLike
void register_shrink_ops(OpRegistry& r);      // Shrink

std::string mask_names(TypeMask m) {
  std::string s;
  for (int d = 0; d < 32; ++d)
    if (m & (1u << d)) s += std::string(s.empty() ? "" : ", ") + dtype_name(static_cast<DType>(d));
  return s;
}

void check_type(const InferContext& ctx, int i, TypeMask m) {
  DType d = ctx.dtype(i);
  if (in_mask(m, d)) return;
  if (d == DType::F16 || d == DType::BF16)
    ctx.error("input ", i, " is ", dtype_name(d), ": ", d == DType::F16 ? "float16" : "bfloat16",
              " is not supported (such tensors can only be converted, with Cast/CastLike); expected one of ",
              mask_names(m));
  ctx.error("input ", i, " has type ", dtype_name(d), "; expected one of ", mask_names(m));
}

void check_same_type(const InferContext& ctx, int a, int b) {
  if (ctx.dtype(a) != ctx.dtype(b))
    ctx.error("inputs ", a, " and ", b, " must have the same type, got ", dtype_name(ctx.dtype(a)), " and ",
              dtype_name(ctx.dtype(b)));
}

Cost elementwise_cost(const CostContext& c, double ops_per_element) {
  Cost cost = bytes_only_cost(c);
  for (const TensorInfo& t : c.outputs) cost.other_ops += ops_per_element * static_cast<double>(shape_numel(t.shape));
  return cost;
}

}  // namespace elementwise

void register_elementwise_ops(OpRegistry& r) {
  elementwise::register_unary_ops(r);
  elementwise::register_activation_ops(r);
  elementwise::register_binary_ops(r);
  elementwise::register_variadic_ops(r);
  elementwise::register_cast_ops(r);
  elementwise::register_shrink_ops(r);
}

}  // namespace layerscope
