// How SDPAttention (fused/transformer.h) reads its Q, K, V inputs and writes its output when
// fuse_attention absorbed the copies an exporter writes around attention. Each of Q, K, V is a
// strided view of its input, never a copy; the steps apply in this order, each optional:
//   Slice(input, start, end, axis), step 1     <x>_slice = [axis, start, end]
//   Reshape(..., shape)                        <x>_shape = the dims (no 0 or -1)
//   Transpose(..., perm)                       <x>_perm
//   Gather(..., index, axis 0)                 <x>_index
// (torchvision's ViT slices Q, K and V out of one fused projection and splits the heads with
// a Reshape and a Transpose: the three views all read the projection's output.) The output is
// Transpose(result, out_perm) of the [batch..., Lq, Dv] result.
// The op's inference, cost and reference (ops/fused/attention.cpp), the native kernel
// (kernels/native/attention.cpp) and the pass (passes/attention_views.h) all go through these
// functions, so they agree on the views.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "ir/graph.h"

namespace layerscope {

// Attribute names per input slot (kAttnQ, kAttnK, kAttnV).
inline constexpr const char* kAttnSliceAttrs[3] = {"q_slice", "k_slice", "v_slice"};
inline constexpr const char* kAttnShapeAttrs[3] = {"q_shape", "k_shape", "v_shape"};
inline constexpr const char* kAttnPermAttrs[3] = {"q_perm", "k_perm", "v_perm"};
inline constexpr const char* kAttnIndexAttrs[3] = {"q_index", "k_index", "v_index"};
inline constexpr const char* kAttnOutPermAttr = "out_perm";

// A logical tensor laid over another one's row-major buffer.
struct StridedView {
  Shape shape;
  std::vector<int64_t> strides;  // elements, per dim of `shape`
  int64_t offset = 0;            // elements from the buffer's start
};

// Elements [start, end) of one axis.
struct AxisSlice {
  int64_t axis = 0, start = 0, end = 0;
};

// The steps from an input to its operand (see the top of the file).
struct OperandView {
  std::optional<AxisSlice> slice;
  Shape shape;                // empty: no Reshape
  std::vector<int64_t> perm;  // empty: no Transpose
  std::optional<int64_t> index;
};

// Input `slot`'s view as the node's attributes describe it, and the attributes describing `v`.
OperandView attention_operand_view(const Node& n, int slot);
void set_attention_operand_view(Attributes& attrs, int slot, const OperandView& v);

// Why `v` (of input `slot`, whose shape is `input`) is not a view, or empty. The message
// names the attribute at fault.
std::string operand_view_problem(const OperandView& v, int slot, const Shape& input);
// `v` over the input's buffer. Requires no problem above.
StridedView operand_strided_view(const OperandView& v, const Shape& input);

// The two above for the node's attributes.
std::string attention_operand_problem(const Node& n, int slot, const Shape& input);
StridedView attention_operand(const Node& n, int slot, const Shape& input);

// `view` read as row-major `shape` (Reshape), or nullopt when that would need a copy: a group
// of dims that `shape` merges or splits is not contiguous in the buffer.
std::optional<StridedView> reshaped_view(const StridedView& view, const Shape& shape);

// Why out_perm is not a permutation of `rank` dims, or empty.
std::string attention_output_problem(const Node& n, int rank);
// out_perm, or nullopt when the node writes its result as it is.
std::optional<std::vector<int64_t>> attention_out_perm(const Node& n);
// The stored output's shape for a result of shape `result`.
Shape attention_output_shape(const Node& n, const Shape& result);
// The result [batch..., Lq, Dv] laid over the stored output's buffer.
StridedView attention_result_view(const Node& n, const Shape& result);

}  // namespace layerscope
