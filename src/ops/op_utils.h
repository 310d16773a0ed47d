// Small helpers shared by the op families: broadcasting, axes, element-type dispatch.
#pragma once
#include <cstdint>
#include <vector>

#include "ops/op_def.h"

namespace layerscope {

// Numpy-style multidirectional broadcast of two shapes; nullopt-like failure via ctx.error.
Shape broadcast_shapes(const InferContext& ctx, const Shape& a, const Shape& b);
// Same without a context: returns false if the shapes do not broadcast.
bool try_broadcast_shapes(const Shape& a, const Shape& b, Shape* out);

// Maps a possibly negative axis into [0, rank); errors through ctx when out of range.
int normalize_axis(const InferContext& ctx, int64_t axis, int rank);

// Row-major strides of `shape`, and the strides to read `in` (broadcast to `out`) with:
// broadcast dims get stride 0. `in` is right-aligned against `out`.
std::vector<int64_t> contiguous_strides(const Shape& shape);
std::vector<int64_t> broadcast_strides(const Shape& in, const Shape& out);
// Elements before `axis` (outer) and after it (inner) in `shape`.
void outer_inner(const Shape& shape, int axis, int64_t* outer, int64_t* inner);

// Calls f(T{}) with T the C++ type of `dt`, for the numeric types; errors otherwise.
// Usage: dispatch_numeric(t.dtype(), [&](auto tag) { using T = decltype(tag); ... });
template <typename F>
void dispatch_numeric(DType dt, F&& f) {
  switch (dt) {
    case DType::F32: f(float{}); break;
    case DType::F64: f(double{}); break;
    case DType::I64: f(int64_t{}); break;
    case DType::I32: f(int32_t{}); break;
    case DType::I16: f(int16_t{}); break;
    case DType::I8: f(int8_t{}); break;
    case DType::U8: f(uint8_t{}); break;
    case DType::U16: f(uint16_t{}); break;
    case DType::U32: f(uint32_t{}); break;
    case DType::U64: f(uint64_t{}); break;
    default: fail("element type ", dtype_name(dt), " is not supported here");
  }
}

// Calls f(T{}) for any element type by size only (data movement ops: copy bytes).
template <typename F>
void dispatch_by_size(DType dt, F&& f) {
  switch (dtype_size(dt)) {
    case 1: f(uint8_t{}); break;
    case 2: f(uint16_t{}); break;
    case 4: f(uint32_t{}); break;
    case 8: f(uint64_t{}); break;
    default: fail("element type ", dtype_name(dt), " is not supported here");
  }
}

}  // namespace layerscope
