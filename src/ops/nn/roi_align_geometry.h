// RoiAlign's sampling geometry, shared by the reference kernel (ops/nn/detection.cpp) and the
// native one (kernels/native/roi_align.cpp) so both sample exactly the same points: the region
// of a roi in feature-map pixels, its bins, the grid of bilinear samples per bin and each
// sample's four taps.
#pragma once
#include <cstdint>

#include "ir/graph.h"

namespace layerscope::roi_align {

// Larger regions (or NaN coordinates) are refused (also by MaxRoiPool): their adaptive sample
// grids would not fit in memory, and their coordinates lose integer precision.
inline constexpr double kMaxRoiExtent = 1 << 20;

// The node's attributes as the geometry needs them (opset 10 has no
// coordinate_transformation_mode and behaves as 'output_half_pixel').
struct Attrs {
  bool half_pixel = false;
  double scale = 1.0;
  int64_t ratio = 0;  // samples per bin side; 0 = adaptive (ceil(roi size / bins))
  int64_t oh = 1, ow = 1;
  bool max_mode = false;
};
Attrs attrs_of(const Node& n);

// One roi's region: origin, bin size and the sample grid per bin (gh x gw, possibly 0 x 0 for
// an inverted half_pixel roi, which then gives 0).
struct Region {
  double x0 = 0, y0 = 0, bin_h = 0, bin_w = 0;
  int64_t gh = 0, gw = 0;
};
// The region of roi `r` with corners (x1, y1, x2, y2) in input scale; an Error naming the node
// when it is not finite, too large, or needs more samples than can be taken.
Region region_of(const Node& n, const Attrs& a, int64_t r, double x1, double y1, double x2, double y2);

// The bilinear taps (offsets into an h x w plane) and weights of one sample point; zero
// weights outside [-1, h] x [-1, w].
struct Sample {
  int64_t pos[4];
  double w[4];
};
Sample bilinear_sample(double y, double x, int64_t h, int64_t w);

// The samples of bin (py, px) of `g`, gh * gw of them, into `out`.
void bin_samples(const Region& g, int64_t py, int64_t px, int64_t h, int64_t w, Sample* out);

}  // namespace layerscope::roi_align
