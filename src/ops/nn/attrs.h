// Helpers shared by the linear NN op files (matmul.cpp, conv.cpp, pool.cpp).
#pragma once
#include <initializer_list>

#include "ops/nn/conv_geometry.h"
#include "ops/op_def.h"
#include "ops/op_registry.h"
#include "ops/op_utils.h"

namespace layerscope {

void register_nn_matmul_ops(OpRegistry& r);  // MatMul, Gemm
void register_nn_conv_ops(OpRegistry& r);    // Conv, ConvTranspose
void register_nn_pool_ops(OpRegistry& r);    // MaxPool, AveragePool, LpPool, Global*Pool
void register_nn_einsum_ops(OpRegistry& r);  // Einsum

namespace nn {

// Input i must have one of `allowed` types; half precision gets a dedicated message because it
// is valid ONNX that the reference kernels simply do not implement.
inline void expect_types(const InferContext& ctx, int i, const char* name, std::initializer_list<DType> allowed) {
  DType d = ctx.dtype(i);
  for (DType a : allowed)
    if (d == a) return;
  std::string names;
  for (DType a : allowed) names += std::string(names.empty() ? "" : ", ") + dtype_name(a);
  if (d == DType::F16 || d == DType::BF16)
    ctx.error("input ", name, " has type ", dtype_name(d), ", which is not supported (no half-precision kernels); ",
              "expected one of ", names);
  ctx.error("input ", name, " has type ", dtype_name(d), "; expected one of ", names);
}

inline void expect_float(const InferContext& ctx, int i, const char* name) {
  expect_types(ctx, i, name, {DType::F32, DType::F64});
}

inline void expect_same_type(const InferContext& ctx, int i, const char* a, int j, const char* b) {
  if (ctx.dtype(i) != ctx.dtype(j))
    ctx.error("inputs ", a, " (", dtype_name(ctx.dtype(i)), ") and ", b, " (", dtype_name(ctx.dtype(j)),
              ") must have the same type");
}

// Geometry errors already name the node; this just forwards to the shared functions.
inline int spatial_rank_checked(const InferContext& ctx, const ConvGeometry& g, const char* op) {
  if (g.spatial_rank() < 1 || g.spatial_rank() > 3)
    ctx.error(op, " with ", g.spatial_rank(), " spatial dimensions is not supported; expected 1 to 3");
  return g.spatial_rank();
}

// Dims padded to 3 spatial dimensions (leading 1s), so the reference loops are written once.
struct Geom3 {
  int64_t in[3], out[3], k[3], s[3], d[3], pb[3], pe[3];
  explicit Geom3(const ConvGeometry& g) {
    int off = 3 - g.spatial_rank();
    for (int i = 0; i < 3; ++i) {
      bool pad = i < off;
      int j = i - off;
      in[i] = pad ? 1 : g.in_dims[j];
      out[i] = pad ? 1 : g.out_dims[j];
      k[i] = pad ? 1 : g.kernel[j];
      s[i] = pad ? 1 : g.strides[j];
      d[i] = pad ? 1 : g.dilations[j];
      pb[i] = pad ? 0 : g.pads_begin[j];
      pe[i] = pad ? 0 : g.pads_end[j];
    }
  }
  int64_t in_size() const { return in[0] * in[1] * in[2]; }
  int64_t out_size() const { return out[0] * out[1] * out[2]; }
};

}  // namespace nn
}  // namespace layerscope
