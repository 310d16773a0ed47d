// Helpers shared by the shape and tensor (data movement) op families and their native kernels:
// per-topic registration, element conversions for every dtype (incl. float16/bfloat16), and
// the parameter computations that infer(), the reference and the fast kernels must agree on.
#pragma once
#include <cstdint>
#include <cstring>
#include <vector>

#include "ops/op_registry.h"
#include "ops/op_utils.h"

namespace layerscope {

// Per-topic registration (called from register_shape_ops / register_tensor_ops).
void register_shape_info_ops(OpRegistry& r);    // Shape, Size, Identity, Dropout
void register_reshape_ops(OpRegistry& r);       // Reshape, Flatten, Squeeze, Unsqueeze
void register_generator_ops(OpRegistry& r);     // ConstantOfShape, Range, EyeLike
void register_transpose_ops(OpRegistry& r);     // Transpose, DepthToSpace, SpaceToDepth
void register_concat_split_ops(OpRegistry& r);  // Concat, Split
void register_slice_ops(OpRegistry& r);         // Slice
void register_pad_ops(OpRegistry& r);           // Pad
void register_gather_ops(OpRegistry& r);        // Gather, GatherElements, GatherND
void register_scatter_ops(OpRegistry& r);       // Scatter, ScatterElements, ScatterND
void register_expand_tile_ops(OpRegistry& r);   // Expand, Tile
void register_index_ops(OpRegistry& r);         // OneHot, Trilu, NonZero, Compress
void register_arg_topk_ops(OpRegistry& r);      // ArgMax, ArgMin, TopK, CumSum

inline OpDef op_def(const char* op_type, int since, int until = INT_MAX) {
  OpDef d;
  d.op_type = op_type;
  d.since = since;
  d.until = until;
  return d;
}

// Cost of ops that read only as much of input 0 as they write (Gather*, Slice, Compress):
// the data input counts with the output's size, the other (index/parameter) inputs fully.
Cost gather_like_cost(const CostContext& c);

// Copies input 0's bytes to output 0 (ops that only change the shape).
void copy_input0(const Node&, std::span<const Tensor* const> in, std::span<Tensor* const> out);

// IEEE half and bfloat16 <-> float (round to nearest even; NaN stays NaN).
float f16_to_float(uint16_t h);
uint16_t float_to_f16(float f);
inline float bf16_to_float(uint16_t h) {
  uint32_t u = static_cast<uint32_t>(h) << 16;
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}
uint16_t float_to_bf16(float f);

// Element i of a tensor of any numeric/bool dtype as double, and the reverse (for small
// constants such as pad values and 1.0 of EyeLike; not for bulk data).
double element_as_double(const Tensor& t, int64_t i);
void store_double(DType dt, void* dst, int64_t i, double v);
// Element i of an integer (or, for legacy inputs, any numeric) tensor as int64.
int64_t element_as_int(const Tensor& t, int64_t i);

// True for every dtype whose elements are plain bytes we can move (all but String/Undefined).
inline bool is_movable(DType dt) { return dtype_size(dt) > 0; }
void expect_movable(const InferContext& ctx, int i);
// Integer input (int32/int64) check.
void expect_index_dtype(const InferContext& ctx, int i);

// Types used for arithmetic on elements: T is the storage type, C the type computed in.
template <typename T>
struct PlainElem {
  using S = T;
  using C = T;
  static C load(S v) { return v; }
  static S store(C v) { return v; }
};
struct HalfElem {
  using S = uint16_t;
  using C = float;
  static C load(S v) { return f16_to_float(v); }
  static S store(C v) { return float_to_f16(v); }
};
struct BHalfElem {
  using S = uint16_t;
  using C = float;
  static C load(S v) { return bf16_to_float(v); }
  static S store(C v) { return float_to_bf16(v); }
};

// Calls f(E{}) with E one of the element traits above, for numeric dtypes incl. float16/bfloat16.
template <typename F>
void dispatch_arith(DType dt, F&& f) {
  switch (dt) {
    case DType::F16: f(HalfElem{}); break;
    case DType::BF16: f(BHalfElem{}); break;
    default: dispatch_numeric(dt, [&](auto tag) { f(PlainElem<decltype(tag)>{}); });
  }
}
inline bool is_arith(DType dt) {
  switch (dt) {
    case DType::F32:
    case DType::F64:
    case DType::F16:
    case DType::BF16:
    case DType::I8:
    case DType::I16:
    case DType::I32:
    case DType::I64:
    case DType::U8:
    case DType::U16:
    case DType::U32:
    case DType::U64: return true;
    default: return false;
  }
}

// Row-major index helpers for reference loops.
inline void unravel(int64_t flat, const Shape& shape, int64_t* idx) {
  for (size_t d = shape.size(); d-- > 0;) {
    idx[d] = shape[d] ? flat % shape[d] : 0;
    flat = shape[d] ? flat / shape[d] : 0;
  }
}

// Generic N-D permutation: out.shape[i] = in.shape[perm[i]].
void transpose_reference(const Tensor& in, const std::vector<int64_t>& perm, Tensor& out);

// Slice parameters per data axis: out[i] reads in[start + i * step].
struct SliceSpec {
  std::vector<int64_t> start, step;
  Shape out;
};
// ONNX Slice semantics (negative indices, clamping, INT64 max/min sentinels, negative steps).
// `axes` empty = 0..n-1; `steps` empty = all 1. Errors name `node`.
SliceSpec compute_slice(const Node& node, const Shape& in, const std::vector<int64_t>& starts,
                        const std::vector<int64_t>& ends, std::vector<int64_t> axes, std::vector<int64_t> steps);
// The starts/ends/axes/steps of a Slice node (attributes before opset 10, inputs after).
SliceSpec slice_spec_from_inputs(const Node& node, const Shape& in, const std::vector<const Tensor*>& values);

// Pad parameters per data axis: begin/end elements added (negative: cropped) and the mode.
enum class PadMode { Constant, Reflect, Edge, Wrap };
struct PadSpec {
  std::vector<int64_t> begin, end;
  PadMode mode = PadMode::Constant;
};
// The pads of a Pad node of opset `since` (attributes before 11, the pads and axes inputs after,
// `axes_in` null = all axes). Errors name the node.
PadSpec pad_spec(const Node& n, int since, int rank, const Tensor* pads_in, const Tensor* axes_in);
// Source index along one axis for output-relative index i (may be outside [0, dim)), or -1 for
// "use the constant".
int64_t pad_source(PadMode mode, int64_t i, int64_t dim);
// The constant-mode fill as raw bytes of `dt` (attribute 'value' before opset 11, else input 2,
// zero when absent).
uint64_t pad_fill(const Node& n, int since, DType dt, const Tensor* value_in);

// Concat: validates and returns the output shape.
Shape concat_shape(const InferContext& ctx, int axis);
// The axis a Concat node uses (attribute; default 1 before opset 4), normalized for `rank`.
int concat_axis(const Node& node, int rank);

}  // namespace layerscope
