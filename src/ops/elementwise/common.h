// Shared machinery of the elementwise family: element-type sets and dispatch over them,
// numpy-broadcast iteration for the reference kernels, input-type checks and the cost model.
#pragma once
#include <array>
#include <cstdint>
#include <string>

#include "ops/op_utils.h"

namespace layerscope::elementwise {

// A set of element types as a bit mask over DType codes (all codes are < 32).
using TypeMask = uint32_t;
constexpr TypeMask bit(DType d) { return 1u << static_cast<int>(d); }
constexpr TypeMask kFloat = bit(DType::F32) | bit(DType::F64);
constexpr TypeMask kSigned = bit(DType::I8) | bit(DType::I16) | bit(DType::I32) | bit(DType::I64);
constexpr TypeMask kUnsigned = bit(DType::U8) | bit(DType::U16) | bit(DType::U32) | bit(DType::U64);
constexpr TypeMask kInt = kSigned | kUnsigned;
constexpr TypeMask kNumeric = kFloat | kInt;
constexpr TypeMask kBool = bit(DType::Bool);
constexpr TypeMask kAll = kNumeric | kBool;

constexpr bool in_mask(TypeMask m, DType d) { return (m & bit(d)) != 0; }

// Calls f(T{}) with T the C++ type of `dt` when dt is in Mask; only those instantiations exist,
// so f may use operations that only make sense for the types of the set.
template <TypeMask Mask, typename F>
void dispatch(DType dt, F&& f) {
  switch (dt) {
#define LS_ELEM_CASE(D, T)                       \
  case DType::D:                                 \
    if constexpr ((Mask & bit(DType::D)) != 0) { \
      f(T{});                                    \
      return;                                    \
    }                                            \
    break;
    LS_ELEM_CASE(F32, float)
    LS_ELEM_CASE(F64, double)
    LS_ELEM_CASE(I8, int8_t)
    LS_ELEM_CASE(I16, int16_t)
    LS_ELEM_CASE(I32, int32_t)
    LS_ELEM_CASE(I64, int64_t)
    LS_ELEM_CASE(U8, uint8_t)
    LS_ELEM_CASE(U16, uint16_t)
    LS_ELEM_CASE(U32, uint32_t)
    LS_ELEM_CASE(U64, uint64_t)
    LS_ELEM_CASE(Bool, bool)
#undef LS_ELEM_CASE
    default: break;
  }
  fail("element type ", dtype_name(dt), " is not supported here");
}

// "FLOAT, DOUBLE, INT32" for error messages.
std::string mask_names(TypeMask m);

// Errors (through ctx) unless input i's type is in `m`. float16/bfloat16 get a dedicated
// message: the runtime only converts them (Cast/CastLike), it never computes in them.
void check_type(const InferContext& ctx, int i, TypeMask m);
// Errors unless inputs a and b have the same element type.
void check_same_type(const InferContext& ctx, int a, int b);

// Cost of an elementwise node: `ops_per_element` non-MAC operations per output element.
Cost elementwise_cost(const CostContext& c, double ops_per_element = 1.0);

// Visits every element of `out_shape` in row-major order, passing the output offset and each
// input's matching offset under numpy broadcasting (inputs right-aligned; size-1 dims repeat).
template <size_t N, typename F>
void for_each_broadcast(const Shape& out_shape, const std::array<const Shape*, N>& in_shapes, F&& f) {
  const int64_t total = shape_numel(out_shape);
  if (total == 0) return;
  const int rank = static_cast<int>(out_shape.size());
  std::array<int64_t, N> off{};
  if (rank == 0) {
    f(int64_t{0}, off);
    return;
  }
  std::array<std::vector<int64_t>, N> strides;
  for (size_t k = 0; k < N; ++k) strides[k] = broadcast_strides(*in_shapes[k], out_shape);
  std::vector<int64_t> idx(rank, 0);
  const int64_t inner = out_shape[rank - 1];
  for (int64_t o = 0; o < total;) {
    std::array<int64_t, N> cur = off;
    for (int64_t j = 0; j < inner; ++j, ++o) {
      f(o, cur);
      for (size_t k = 0; k < N; ++k) cur[k] += strides[k][rank - 1];
    }
    // Advance the outer multi-index (dims rank-2 .. 0), carrying like an odometer.
    for (int d = rank - 2; d >= 0; --d) {
      for (size_t k = 0; k < N; ++k) off[k] += strides[k][d];
      if (++idx[d] < out_shape[d]) break;
      for (size_t k = 0; k < N; ++k) off[k] -= strides[k][d] * out_shape[d];
      idx[d] = 0;
    }
  }
}

}  // namespace layerscope::elementwise
