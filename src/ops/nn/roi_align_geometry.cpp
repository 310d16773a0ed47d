#include "ops/nn/roi_align_geometry.h"

#include <algorithm>
#include <cmath>

#include "ir/error.h"

namespace layerscope::roi_align {
namespace {

// Adaptive sampling takes ceil(roi size / bins) samples per side; beyond this many per bin, the
// node is refused rather than left to run for hours.
constexpr int64_t kMaxSamplesPerBin = 1 << 20;

}  // namespace

Attrs attrs_of(const Node& n) {
  Attrs a;
  a.half_pixel = n.opset >= 16 && n.attrs.get_string("coordinate_transformation_mode", "half_pixel") == "half_pixel";
  a.scale = n.attrs.get_float("spatial_scale", 1.0f);
  a.ratio = n.attrs.get_int("sampling_ratio", 0);
  a.oh = n.attrs.get_int("output_height", 1);
  a.ow = n.attrs.get_int("output_width", 1);
  a.max_mode = n.attrs.get_string("mode", "avg") == "max";
  return a;
}

Region region_of(const Node& n, const Attrs& a, int64_t r, double x1, double y1, double x2, double y2) {
  Region g;
  const double offset = a.half_pixel ? 0.5 : 0.0;
  g.x0 = x1 * a.scale - offset, g.y0 = y1 * a.scale - offset;
  double rw = x2 * a.scale - offset - g.x0, rh = y2 * a.scale - offset - g.y0;
  if (!a.half_pixel) rw = std::max(rw, 1.0), rh = std::max(rh, 1.0);
  if (!(std::abs(rw) < kMaxRoiExtent && std::abs(rh) < kMaxRoiExtent && std::isfinite(g.x0) && std::isfinite(g.y0)))
    fail(Graph::describe(n), ": roi ", r, " is not finite or spans more than ", kMaxRoiExtent, " pixels");
  g.bin_h = rh / static_cast<double>(a.oh), g.bin_w = rw / static_cast<double>(a.ow);
  // (An inverted half_pixel roi has no samples and gives 0, as in the ONNX reference.)
  g.gh = a.ratio > 0 ? a.ratio : std::max<int64_t>(0, std::ceil(rh / static_cast<double>(a.oh)));
  g.gw = a.ratio > 0 ? a.ratio : std::max<int64_t>(0, std::ceil(rw / static_cast<double>(a.ow)));
  // Checked one by one before their product, which a huge sampling_ratio would overflow.
  if (g.gh > kMaxSamplesPerBin || g.gw > kMaxSamplesPerBin || g.gh * g.gw > kMaxSamplesPerBin)
    fail(Graph::describe(n), ": roi ", r, " needs ", g.gh, " x ", g.gw, " samples per bin, more than ",
         kMaxSamplesPerBin);
  return g;
}

Sample bilinear_sample(double y, double x, int64_t h, int64_t w) {
  Sample s{{0, 0, 0, 0}, {0, 0, 0, 0}};
  if (!(y >= -1.0 && y <= static_cast<double>(h) && x >= -1.0 && x <= static_cast<double>(w))) return s;  // NaN too
  y = std::max(y, 0.0);
  x = std::max(x, 0.0);
  int64_t y0 = static_cast<int64_t>(y), x0 = static_cast<int64_t>(x), y1 = y0 + 1, x1 = x0 + 1;
  if (y0 >= h - 1) y = static_cast<double>(y0 = y1 = h - 1);
  if (x0 >= w - 1) x = static_cast<double>(x0 = x1 = w - 1);
  const double ly = y - static_cast<double>(y0), lx = x - static_cast<double>(x0), hy = 1 - ly, hx = 1 - lx;
  s = {{y0 * w + x0, y0 * w + x1, y1 * w + x0, y1 * w + x1}, {hy * hx, hy * lx, ly * hx, ly * lx}};
  return s;
}

void bin_samples(const Region& g, int64_t py, int64_t px, int64_t h, int64_t w, Sample* out) {
  for (int64_t iy = 0; iy < g.gh; ++iy)
    for (int64_t ix = 0; ix < g.gw; ++ix)
      out[iy * g.gw + ix] = bilinear_sample(g.y0 + py * g.bin_h + (iy + 0.5) * g.bin_h / g.gh,
                                            g.x0 + px * g.bin_w + (ix + 0.5) * g.bin_w / g.gw, h, w);
}

}  // namespace layerscope::roi_align
