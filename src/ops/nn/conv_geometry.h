// Geometry of the convolution-like ops: Conv, ConvTranspose, MaxPool, AveragePool, LpPool and
// the Global*Pool ops. One place resolves the attributes (defaults, kernel_shape from the
// weights, auto_pad, ceil_mode, output_shape/output_padding) into explicit numbers, so shape
// inference, cost, the reference kernels and the oneDNN kernels all agree exactly.
//
// Layout is ONNX's: X = [N, C, D1..Dk]; Conv W = [C_out, C_in/group, k1..kk];
// ConvTranspose W = [C_in, C_out/group, k1..kk].
#pragma once
#include <cstdint>
#include <vector>

#include "ir/graph.h"

namespace layerscope {

enum class ConvKind { Conv, ConvTranspose, Pool };

struct ConvGeometry {
  ConvKind kind = ConvKind::Conv;
  int64_t N = 0;
  int64_t C_in = 0;                // channels of X
  int64_t C_out = 0;               // channels of Y (pooling: == C_in)
  int64_t group = 1;               // pooling: 1 (each channel is pooled independently)
  std::vector<int64_t> in_dims;    // spatial dims of X
  std::vector<int64_t> out_dims;   // spatial dims of Y
  std::vector<int64_t> kernel;     // kernel spatial dims (Global*Pool: == in_dims)
  std::vector<int64_t> strides;    // all >= 1
  std::vector<int64_t> dilations;  // all >= 1
  // Padding resolved from `pads`, `auto_pad` or (ConvTranspose) `output_shape`. These are the
  // spec's pads; with ceil_mode the last window may also run past pads_end (see effective_pads_end).
  // ConvTranspose pads may be negative when output_shape asks for a larger output than the
  // natural one; they then mean extra zero rows/columns of output.
  std::vector<int64_t> pads_begin;
  std::vector<int64_t> pads_end;
  std::vector<int64_t> output_padding;  // ConvTranspose only; zeros otherwise
  bool ceil_mode = false;               // pooling only

  int spatial_rank() const { return static_cast<int>(in_dims.size()); }
  // Dilated kernel extent along dim i: (k - 1) * d + 1.
  int64_t dilated_kernel(int i) const { return (kernel[i] - 1) * dilations[i] + 1; }
  int64_t in_spatial_size() const;   // prod(in_dims)
  int64_t out_spatial_size() const;  // prod(out_dims)
  int64_t kernel_size() const;       // prod(kernel)
  Shape input_shape() const;         // {N, C_in, in_dims...}
  Shape output_shape() const;        // {N, C_out, out_dims...}
  // Weight shape implied by the geometry (Conv / ConvTranspose only).
  Shape weight_shape() const;
  // End padding that makes the plain (floor) size formula give exactly out_dims:
  //   Conv/Pool:      out = (in + pb + pe - dilated_kernel) / s + 1   (integer division)
  //   ConvTranspose:  out = (in - 1) * s + dilated_kernel - pb - pe
  // Equals pads_end except with ceil_mode pooling (extra end padding, which MaxPool treats as
  // -inf; AveragePool with count_include_pad still divides by the full kernel size there, as
  // ONNX Runtime does) and ConvTranspose output_padding (pads_end - output_padding).
  // Backends such as oneDNN that take (pads_begin, pads_end) only should use this.
  std::vector<int64_t> effective_pads_end() const;
};

// Each function validates the node's attributes against the shapes (rank, channel counts,
// group divisibility, kernel_shape vs weights, positive strides/dilations, auto_pad value,
// output size > 0) and throws layerscope::Error naming the node on failure.
// x: shape of X; w: shape of W.
ConvGeometry conv_geometry(const Node& node, const Shape& x, const Shape& w);
ConvGeometry conv_transpose_geometry(const Node& node, const Shape& x, const Shape& w);
// MaxPool, AveragePool, LpPool (kernel_shape, strides, pads, auto_pad, dilations, ceil_mode),
// and GlobalAveragePool / GlobalMaxPool / GlobalLpPool (kernel = whole spatial extent).
ConvGeometry pool_geometry(const Node& node, const Shape& x);

}  // namespace layerscope
