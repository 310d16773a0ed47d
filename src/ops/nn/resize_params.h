// Resize / Upsample attribute parsing and output-geometry computation, shared by the
// reference OpDef (ops/nn/resize.cpp) and optimised kernels (e.g. oneDNN resampling).
//
// Opset differences handled here:
//   Upsample-7   scales attribute; mode nearest|linear; asymmetric coordinates
//   Upsample-9   scales input (index 1)
//   Resize-10    X, scales; mode nearest|linear; asymmetric coordinates
//   Resize-11/13 X, roi, scales, sizes (13: roi/scales may be empty "" inputs);
//                coordinate_transformation_mode, nearest_mode, cubic, exclude_outside, ...
//                (tf_half_pixel_for_nn left the spec at 13; still accepted, as onnxruntime does)
//   Resize-18    + antialias, axes, keep_aspect_ratio_policy
//   Resize-19    + coordinate_transformation_mode half_pixel_symmetric
// Upsample-7/9 and Resize-10 have no nearest_mode: they use ResizeNearestMode::Legacy.
#pragma once
#include <cstdint>
#include <vector>

#include "ir/graph.h"

namespace layerscope {

enum class ResizeMode { Nearest, Linear, Cubic };

enum class ResizeCoordMode {
  HalfPixel,
  HalfPixelSymmetric,
  PytorchHalfPixel,
  AlignCorners,
  Asymmetric,
  TfHalfPixelForNN,
  TfCropAndResize,
};

enum class ResizeNearestMode {
  RoundPreferFloor,
  RoundPreferCeil,
  Floor,
  Ceil,
  // Upsample / Resize-10: floor when upsampling (scale >= 1), ceil when downsampling —
  // what those ops' reference implementations and onnxruntime do.
  Legacy,
};

enum class ResizeAspectPolicy { Stretch, NotLarger, NotSmaller };

struct ResizeAttrs {
  ResizeMode mode = ResizeMode::Nearest;
  ResizeCoordMode coord_mode = ResizeCoordMode::HalfPixel;
  ResizeNearestMode nearest_mode = ResizeNearestMode::RoundPreferFloor;
  float cubic_coeff_a = -0.75f;
  bool exclude_outside = false;
  float extrapolation_value = 0.0f;
  bool antialias = false;
  ResizeAspectPolicy keep_aspect_ratio_policy = ResizeAspectPolicy::Stretch;
  std::vector<int64_t> axes;       // attribute as given (may be negative); empty = all axes
  std::vector<float> attr_scales;  // Upsample-7 only: the 'scales' attribute
};

// Where the optional inputs sit for this node's op_type/opset (-1: the op has no such input).
struct ResizeInputSlots {
  int roi = -1;
  int scales = -1;
  int sizes = -1;
};
ResizeInputSlots resize_input_slots(const Node& node);

// Reads and validates the attributes of a Resize or Upsample node for its opset. Unknown or
// unsupported values throw Error naming the node and the accepted values.
ResizeAttrs parse_resize_attrs(const Node& node);

struct ResizeGeometry {
  Shape input_shape;
  Shape output_shape;
  // Per dimension (full rank): the scale used by the coordinate transform. From 'scales' it
  // is the given value (not out/in!); from 'sizes' it is out/in, or the common scale chosen
  // by keep_aspect_ratio_policy. 1 for dimensions outside 'axes'.
  std::vector<double> scales;
  // Per dimension: input length * scale before rounding (the "length_resized" that
  // align_corners / tf_crop_and_resize / half_pixel_symmetric divide by; with 'sizes' and
  // the stretch policy it equals the output length exactly).
  std::vector<double> resized_lengths;
  // Per dimension: the roi (only meaningful for tf_crop_and_resize); 0 / 1 where not given.
  std::vector<double> roi_start, roi_end;
};

// Output shape and effective scales. roi/scales/sizes are the input tensors, nullptr when
// the input is omitted; an input with 0 elements counts as omitted. Exactly one of scales
// (input or Upsample-7 attribute) and sizes must be present. Throws Error naming the node.
ResizeGeometry compute_resize_geometry(const Node& node, const ResizeAttrs& attrs, const Shape& input_shape,
                                       const Tensor* roi, const Tensor* scales, const Tensor* sizes);

// The input coordinate (unclamped, may be fractional or out of range) that output index
// `x_out` of one axis maps to. `dim` indexes the full-rank ResizeGeometry vectors.
double resize_source_coord(const ResizeAttrs& attrs, const ResizeGeometry& g, int dim, int64_t x_out);

// Nearest-mode rounding of a source coordinate, clamped to [0, in_len - 1].
// `scale` only matters for ResizeNearestMode::Legacy.
int64_t resize_nearest_index(ResizeNearestMode mode, double x, double scale, int64_t in_len);

// True if every coordinate of an output element maps inside the input; false means
// tf_crop_and_resize must write extrapolation_value there.
inline bool resize_coord_inside(double x, int64_t in_len) { return x >= 0.0 && x <= static_cast<double>(in_len - 1); }

}  // namespace layerscope
