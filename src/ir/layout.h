// Buffer layouts of activation tensors. A value's shape is always ONNX's logical [N, C, D1..Dk];
// its layout says where each element sits in the buffer. Everything is Plain unless the layout
// pass (passes/assign_layouts.cpp) chose otherwise for a value flowing between kernels that
// declared they read and write that layout (oneDNN convolutions run 2-10x faster on channel-
// blocked or channels-last activations than on NCHW). Graph inputs, outputs and constants are
// always Plain, and so are tensors of rank < 3.
#pragma once
#include <cstdint>
#include <optional>
#include <string_view>

#include "layerscope/tensor.h"

namespace layerscope {

enum class Layout : uint8_t {
  Plain,         // row-major [N, C, D1..Dk] (NCHW)
  ChannelsLast,  // [N, D1..Dk, C] (NHWC)
  Blocked8,      // [N, ceil(C/8), D1..Dk, 8] (nChw8c): channels zero-padded to a multiple of 8
  Blocked16,     // [N, ceil(C/16), D1..Dk, 16] (nChw16c): channels zero-padded to a multiple of 16
};

// "nchw", "nhwc", "nChw8c", "nChw16c" (the oneDNN names of the 4-D case; the same channel
// arrangement applies to 1-D and 3-D spatial shapes).
const char* layout_name(Layout l);
std::optional<Layout> layout_from_name(std::string_view name);
// Channels per block: 8 or 16 for the blocked layouts, else 1.
int64_t layout_channel_block(Layout l);
// Elements the buffer of a tensor of logical shape `shape` holds in layout `l`: the channel
// padding of the blocked layouts included.
int64_t layout_numel(const Shape& shape, Layout l);
// The buffer holds exactly one slot per element (no channel padding): Plain, channels-last, or
// a blocked layout whose channel count fills its blocks.
inline bool padding_free(const Shape& shape, Layout l) { return layout_numel(shape, l) == shape_numel(shape); }
// Element offset of logical element (n, c, s) (s = flattened spatial index) in a buffer of
// layout `l` holding a tensor with C channels and S spatial elements per channel.
inline int64_t layout_offset(Layout l, int64_t C, int64_t S, int64_t n, int64_t c, int64_t s) {
  switch (l) {
    case Layout::Plain: return (n * C + c) * S + s;
    case Layout::ChannelsLast: return (n * S + s) * C + c;
    default: {
      const int64_t b = layout_channel_block(l), cb = (C + b - 1) / b;
      return ((n * cb + c / b) * S + s) * b + c % b;
    }
  }
}

}  // namespace layerscope
