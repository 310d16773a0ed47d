#include "ir/layout.h"

namespace layerscope {

const char* layout_name(Layout l) {
  switch (l) {
    case Layout::Plain: return "nchw";
    case Layout::ChannelsLast: return "nhwc";
    case Layout::Blocked8: return "nChw8c";
    case Layout::Blocked16: return "nChw16c";
  }
  return "?";
}

std::optional<Layout> layout_from_name(std::string_view name) {
  for (Layout l : {Layout::Plain, Layout::ChannelsLast, Layout::Blocked8, Layout::Blocked16})
    if (name == layout_name(l)) return l;
  return std::nullopt;
}

int64_t layout_channel_block(Layout l) {
  switch (l) {
    case Layout::Blocked8: return 8;
    case Layout::Blocked16: return 16;
    default: return 1;
  }
}

int64_t layout_numel(const Shape& shape, Layout l) {
  const int64_t b = layout_channel_block(l);
  if (b == 1 || shape.size() < 2) return shape_numel(shape);
  Shape padded = shape;
  padded[1] = (shape[1] + b - 1) / b * b;
  return shape_numel(padded);
}

}  // namespace layerscope
