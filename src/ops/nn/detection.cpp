// Object-detection ops: NonMaxSuppression (data-dependent output count), RoiAlign, MaxRoiPool.
#include <algorithm>
#include <cmath>
#include <numeric>
#include <unordered_map>
#include <vector>

#include "ops/nn/attrs.h"
#include "ops/nn/norm_common.h"
#include "ops/nn/roi_align_geometry.h"
#include "ops/tensor/common.h"

namespace layerscope {

namespace {

// ---- NonMaxSuppression (10, 11) -----------------------------------------------------------
// boxes [B, N, 4], scores [B, C, N] -> selected_indices [K, 3] int64 (batch, class, box), per
// batch and class in score order (ties: lower box index first). A candidate is dropped when its
// score is not above score_threshold or its IoU with a box already kept exceeds iou_threshold.

// Scalar optional input i as double, `dflt` when absent.
double scalar_or(const Tensor* t, double dflt) { return t && t->numel() > 0 ? element_as_double(*t, 0) : dflt; }

struct Box {
  float x0, y0, x1, y1;
};

Box box_at(const float* b, bool center_point) {
  if (center_point) {  // [x_center, y_center, width, height]
    return {b[0] - b[2] / 2, b[1] - b[3] / 2, b[0] + b[2] / 2, b[1] + b[3] / 2};
  }
  // [y1, x1, y2, x2], any diagonal pair of corners
  return {std::min(b[1], b[3]), std::min(b[0], b[2]), std::max(b[1], b[3]), std::max(b[0], b[2])};
}

// The boxes kept so far for one class, as columns padded to whole blocks with boxes of no
// area (which never suppress): the candidate's test against all of them is a fixed-length,
// branch-free loop the compiler vectorises (a detector's NMS tests tens of millions of pairs).
class KeptBoxes {
 public:
  static constexpr size_t kBlock = 16;
  size_t size() const { return count_; }
  void clear() {
    count_ = 0;
    for (auto* v : {&x0_, &y0_, &x1_, &y1_, &area_}) v->clear();
  }
  void add(const Box& b) {
    if (count_ % kBlock == 0)
      for (auto* v : {&x0_, &y0_, &x1_, &y1_, &area_}) v->resize(count_ + kBlock, 0.f);
    x0_[count_] = b.x0, y0_[count_] = b.y0, x1_[count_] = b.x1, y1_[count_] = b.y1;
    area_[count_] = (b.x1 - b.x0) * (b.y1 - b.y0);
    ++count_;
  }
  // IoU(kept box, b) > threshold for any kept box; boxes without area (and boxes that do not
  // intersect) never suppress.
  bool any_overlaps(const Box& b, float threshold) const {
    const float area_b = (b.x1 - b.x0) * (b.y1 - b.y0);
    if (!(area_b > 0)) return false;
    for (size_t base = 0; base < count_; base += kBlock) {
      const float *x0 = &x0_[base], *y0 = &y0_[base], *x1 = &x1_[base], *y1 = &y1_[base], *area = &area_[base];
      int hit = 0;
#pragma omp simd reduction(| : hit)
      for (size_t j = 0; j < kBlock; ++j) {
        const float ix = std::min(x1[j], b.x1) - std::max(x0[j], b.x0);
        const float iy = std::min(y1[j], b.y1) - std::max(y0[j], b.y0);
        const float inter = ix * iy;
        const float uni = area[j] + area_b - inter;
        hit |= (ix > 0) & (iy > 0) & (area[j] > 0) & (uni > 0) & (inter / uni > threshold);
      }
      if (hit) return true;
    }
    return false;
  }

 private:
  size_t count_ = 0;
  std::vector<float> x0_, y0_, x1_, y1_, area_;
};

// The kept boxes of one class bucketed by a square grid, so a candidate is tested only against
// kept boxes sharing a cell with it: IoU > threshold needs an intersection, and every kept box
// that intersects the candidate shares a cell with it, so the answer is exactly the full test's
// (it runs the same KeptBoxes arithmetic on the gathered boxes). A detector's NMS over tens of
// thousands of candidates (torchvision offsets each class to its own region) then tests each
// against a few dozen boxes instead of all those kept. Boxes that are not finite or span more
// than kMaxCells cells are tested by every candidate; candidates of that kind test them all.
class KeptGrid {
 public:
  static constexpr int64_t kMaxCells = 64;
  // `cell`: the grid step (> 0 and finite), e.g. twice the candidates' mean size.
  explicit KeptGrid(float cell) : inv_cell_(1.0f / cell) {}
  bool usable() const { return std::isfinite(inv_cell_) && inv_cell_ > 0; }
  void clear() {
    cells_.clear();
    everywhere_.clear();
  }
  // Cell range of b, or false when b is not finite or too large for cells.
  bool cells_of(const Box& b, int64_t* x0, int64_t* y0, int64_t* x1, int64_t* y1) const {
    const float v[4] = {b.x0 * inv_cell_, b.y0 * inv_cell_, b.x1 * inv_cell_, b.y1 * inv_cell_};
    for (float f : v)
      if (!(std::abs(f) < 1e9f)) return false;
    *x0 = static_cast<int64_t>(std::floor(v[0])), *y0 = static_cast<int64_t>(std::floor(v[1]));
    *x1 = static_cast<int64_t>(std::floor(v[2])), *y1 = static_cast<int64_t>(std::floor(v[3]));
    return *x1 >= *x0 && *y1 >= *y0 && (*x1 - *x0 + 1) * (*y1 - *y0 + 1) <= kMaxCells;
  }
  void add(const Box& b, int32_t id) {
    int64_t x0, y0, x1, y1;
    if (!cells_of(b, &x0, &y0, &x1, &y1)) {
      everywhere_.push_back(id);
      return;
    }
    for (int64_t y = y0; y <= y1; ++y)
      for (int64_t x = x0; x <= x1; ++x) cells_[key(x, y)].push_back(id);
  }
  // The kept boxes that may intersect b (with repeats), or false: test b against all of them.
  bool near(const Box& b, std::vector<int32_t>* ids) const {
    int64_t x0, y0, x1, y1;
    if (!cells_of(b, &x0, &y0, &x1, &y1)) return false;
    ids->assign(everywhere_.begin(), everywhere_.end());
    for (int64_t y = y0; y <= y1; ++y)
      for (int64_t x = x0; x <= x1; ++x)
        if (auto it = cells_.find(key(x, y)); it != cells_.end())
          ids->insert(ids->end(), it->second.begin(), it->second.end());
    return true;
  }

 private:
  static uint64_t key(int64_t x, int64_t y) {
    return (static_cast<uint64_t>(x) * 0x9E3779B97F4A7C15ull) ^ static_cast<uint64_t>(y);
  }
  float inv_cell_;
  std::unordered_map<uint64_t, std::vector<int32_t>> cells_;
  std::vector<int32_t> everywhere_;
};

// Twice the mean side of the candidates' boxes (finite ones), the grid step; 0 when none.
float grid_cell(const float* bx, const std::vector<int64_t>& order, bool center_point) {
  double sum = 0;
  int64_t n = 0;
  for (int64_t i : order) {
    const Box b = box_at(bx + i * 4, center_point);
    const double side = std::max(b.x1 - b.x0, b.y1 - b.y0);
    if (std::isfinite(side) && side > 0) sum += side, ++n;
  }
  return n ? static_cast<float>(2 * sum / static_cast<double>(n)) : 0.f;
}

// The selected (batch, class, box) triples, flattened.
std::vector<int64_t> nms_select(const Node& n, const Tensor& boxes, const Tensor& scores, const Tensor* max_out,
                                const Tensor* iou, const Tensor* score_thr) {
  const bool center_point = n.attrs.get_int("center_point_box", 0) == 1;
  const int64_t max_per_class = max_out && max_out->numel() > 0 ? element_as_int(*max_out, 0) : 0;
  const float iou_threshold = static_cast<float>(scalar_or(iou, 0.0));
  const bool has_score_thr = score_thr && score_thr->numel() > 0;
  const float score_threshold = static_cast<float>(scalar_or(score_thr, 0.0));
  const int64_t batches = boxes.dim(0), count = boxes.dim(1), classes = scores.dim(1);
  std::vector<int64_t> out;
  if (max_per_class <= 0) return out;
  std::vector<int64_t> order;
  KeptBoxes kept, nearby;
  std::vector<Box> kept_list;
  std::vector<int32_t> near;
  for (int64_t b = 0; b < batches; ++b)
    for (int64_t c = 0; c < classes; ++c) {
      const float* s = scores.data_as<float>() + (b * classes + c) * count;
      const float* bx = boxes.data_as<float>() + b * count * 4;
      order.clear();
      for (int64_t i = 0; i < count; ++i)  // a NaN score is never selected
        if (!std::isnan(s[i]) && (!has_score_thr || s[i] > score_threshold)) order.push_back(i);
      std::stable_sort(order.begin(), order.end(), [&](int64_t i, int64_t j) { return s[i] > s[j]; });
      kept.clear();
      kept_list.clear();
      KeptGrid grid(grid_cell(bx, order, center_point));
      for (int64_t i : order) {
        if (static_cast<int64_t>(kept.size()) >= max_per_class) break;
        const Box cand = box_at(bx + i * 4, center_point);
        bool suppressed;
        if (grid.usable() && grid.near(cand, &near)) {
          nearby.clear();
          for (int32_t id : near) nearby.add(kept_list[id]);
          suppressed = nearby.any_overlaps(cand, iou_threshold);
        } else {
          suppressed = kept.any_overlaps(cand, iou_threshold);
        }
        if (suppressed) continue;
        if (grid.usable()) grid.add(cand, static_cast<int32_t>(kept_list.size()));
        kept.add(cand);
        kept_list.push_back(cand);
        out.insert(out.end(), {b, c, i});
      }
    }
  return out;
}

void expect_scalar_input(const InferContext& c, int i, const char* name, std::initializer_list<DType> types) {
  if (!c.has_input(i)) return;
  c.expect_dtype_in(i, types);
  if (shape_numel(c.shape(i)) > 1) c.error("'", name, "' must be a scalar, got shape ", shape_to_string(c.shape(i)));
}

OpDef non_max_suppression_def() {
  OpDef d;
  d.op_type = "NonMaxSuppression";
  d.since = 10;
  d.value_inputs = {0, 1, 2, 3, 4};  // the number of boxes kept is the output's shape
  d.attributes = {{"center_point_box", AttrType::INT}};
  d.infer = [](InferContext& c) {
    c.expect_inputs(2, 5);
    c.expect_dtype_in(0, {DType::F32});
    c.expect_dtype_in(1, {DType::F32});
    if (c.rank(0) != 3 || c.shape(0)[2] != 4)
      c.error("'boxes' must be [batches, boxes, 4], got ", shape_to_string(c.shape(0)));
    if (c.rank(1) != 3 || c.shape(1)[0] != c.shape(0)[0] || c.shape(1)[2] != c.shape(0)[1])
      c.error("'scores' must be [batches, classes, boxes] = [", c.shape(0)[0], ", C, ", c.shape(0)[1], "], got ",
              shape_to_string(c.shape(1)));
    const int64_t cpb = c.attrs().get_int("center_point_box", 0);
    if (cpb != 0 && cpb != 1) c.error("attribute 'center_point_box' must be 0 or 1, got ", cpb);
    expect_scalar_input(c, 2, "max_output_boxes_per_class", {DType::I64});
    expect_scalar_input(c, 3, "iou_threshold", {DType::F32});
    expect_scalar_input(c, 4, "score_threshold", {DType::F32});
    const Tensor* iou = c.has_input(3) ? &c.value(3) : nullptr;
    const double iou_threshold = scalar_or(iou, 0.0);
    if (!(iou_threshold >= 0 && iou_threshold <= 1)) c.error("'iou_threshold' must be in [0, 1], got ", iou_threshold);
    auto opt = [&](int i) { return c.has_input(i) ? &c.value(i) : nullptr; };
    const auto sel = nms_select(c.node(), c.value(0), c.value(1), opt(2), opt(3), opt(4));
    // The selection is the output: stated here, so a run computes it once (the executor takes
    // stated values instead of running a kernel), not once for the shape and once more.
    Tensor y(DType::I64, {static_cast<int64_t>(sel.size() / 3), 3});
    std::copy(sel.begin(), sel.end(), y.data_as<int64_t>());
    c.set_output_value(0, std::move(y));
  };
  d.reference = [](const Node& n, std::span<const Tensor* const> in, std::span<Tensor* const> out) {
    auto opt = [&](size_t i) { return i < in.size() ? in[i] : nullptr; };
    const auto sel = nms_select(n, *in[0], *in[1], opt(2), opt(3), opt(4));
    std::copy(sel.begin(), sel.end(), out[0]->data_as<int64_t>());
  };
  d.cost = [](const CostContext& c) {
    Cost cost = bytes_only_cost(c);
    // Sorting each class's scores and, at worst, one IoU per pair of boxes.
    const double boxes = c.inputs[0].shape.size() == 3 ? static_cast<double>(c.inputs[0].shape[1]) : 0;
    const double lists = static_cast<double>(shape_numel(c.inputs[1].shape)) / std::max(boxes, 1.0);
    cost.other_ops = lists * (boxes * std::log2(boxes + 1) + 10 * boxes * boxes / 2);
    return cost;
  };
  return d;
}

// ---- RoiAlign (10, 16) ----------------------------------------------------------------------
// X [N, C, H, W], rois [R, 4] (x1, y1, x2, y2 in input scale), batch_indices [R] ->
// [R, C, output_height, output_width]: per bin, the average (or maximum) of a grid of bilinear
// samples (sampling_ratio per side, 0 = ceil(roi size / bins)). Opset 10 has no
// coordinate_transformation_mode and behaves as 'output_half_pixel'.

void infer_roi_common(InferContext& c, int roi_cols, const char* roi_form) {
  nn::expect_float(c, 0, "X");
  nn::expect_same_type(c, 0, "X", 1, "rois");
  if (c.rank(0) != 4) c.error("input X must be [N, C, H, W], got ", shape_to_string(c.shape(0)));
  if (c.rank(1) != 2 || c.shape(1)[1] != roi_cols)
    c.error("'rois' must be [num_rois, ", roi_cols, "] (", roi_form, "), got ", shape_to_string(c.shape(1)));
  const float scale = c.attrs().get_float("spatial_scale", 1.0f);
  if (!(scale > 0)) c.error("attribute 'spatial_scale' must be > 0, got ", scale);
}

OpDef roi_align_def(int since, int until) {
  OpDef d;
  d.op_type = "RoiAlign";
  d.since = since;
  d.until = until;
  using enum AttrType;
  d.attributes = {{"mode", STRING},        {"output_height", INT},   {"output_width", INT},
                  {"sampling_ratio", INT}, {"spatial_scale", FLOAT}, {"coordinate_transformation_mode", STRING, 16}};
  d.infer = [since](InferContext& c) {
    c.expect_inputs(3, 3);
    infer_roi_common(c, 4, "x1, y1, x2, y2");
    c.expect_dtype_in(2, {DType::I64});
    if (c.rank(2) != 1 || c.shape(2)[0] != c.shape(1)[0])
      c.error("'batch_indices' must be [num_rois] = [", c.shape(1)[0], "], got ", shape_to_string(c.shape(2)));
    const std::string mode = c.attrs().get_string("mode", "avg");
    if (mode != "avg" && mode != "max") c.error("attribute 'mode' must be 'avg' or 'max', got '", mode, "'");
    if (since >= 16) {
      const std::string ct = c.attrs().get_string("coordinate_transformation_mode", "half_pixel");
      if (ct != "half_pixel" && ct != "output_half_pixel")
        c.error("attribute 'coordinate_transformation_mode' must be 'half_pixel' or 'output_half_pixel', got '", ct,
                "'");
    }
    const int64_t oh = c.attrs().get_int("output_height", 1), ow = c.attrs().get_int("output_width", 1);
    if (oh < 1 || ow < 1) c.error("'output_height' and 'output_width' must be >= 1, got ", oh, " and ", ow);
    if (c.attrs().get_int("sampling_ratio", 0) < 0) c.error("attribute 'sampling_ratio' must be >= 0");
    c.set_output(0, c.dtype(0), {c.shape(1)[0], c.shape(0)[1], oh, ow});
  };
  d.reference = [](const Node& n, std::span<const Tensor* const> in, std::span<Tensor* const> out) {
    const Tensor& x = *in[0];
    const Tensor& rois = *in[1];
    const int64_t* batch = in[2]->data_as<int64_t>();
    Tensor& y = *out[0];
    const int64_t channels = x.dim(1), h = x.dim(2), w = x.dim(3), oh = y.dim(2), ow = y.dim(3);
    const roi_align::Attrs a = roi_align::attrs_of(n);
    dispatch_float(x.dtype(), [&](auto tag) {
      using T = decltype(tag);
      const T* xp = x.data_as<T>();
      const T* rp = rois.data_as<T>();
      T* yp = y.data_as<T>();
      for (int64_t r = 0; r < rois.dim(0); ++r) {
        if (batch[r] < 0 || batch[r] >= x.dim(0))
          fail(Graph::describe(n), ": batch_indices[", r, "] = ", batch[r], " is out of range for ", x.dim(0),
               " images");
        const roi_align::Region g =
            roi_align::region_of(n, a, r, rp[r * 4], rp[r * 4 + 1], rp[r * 4 + 2], rp[r * 4 + 3]);
        const double count = static_cast<double>(std::max<int64_t>(g.gh * g.gw, 1));
        std::vector<roi_align::Sample> samples(g.gh * g.gw);  // of one bin, shared by every channel
        for (int64_t py = 0; py < oh; ++py)
          for (int64_t px = 0; px < ow; ++px) {
            roi_align::bin_samples(g, py, px, h, w, samples.data());
            for (int64_t ch = 0; ch < channels; ++ch) {
              const T* plane = xp + (batch[r] * channels + ch) * h * w;
              double acc = 0;
              for (int64_t k = 0; k < g.gh * g.gw; ++k) {
                const roi_align::Sample& s = samples[k];
                if (a.max_mode) {
                  double v = s.w[0] * plane[s.pos[0]];
                  for (int t = 1; t < 4; ++t) v = std::max(v, s.w[t] * plane[s.pos[t]]);
                  acc = k == 0 ? v : std::max(acc, v);
                } else {
                  for (int t = 0; t < 4; ++t) acc += s.w[t] * plane[s.pos[t]];
                }
              }
              yp[((r * channels + ch) * oh + py) * ow + px] = static_cast<T>(a.max_mode ? acc : acc / count);
            }
          }
      }
    });
  };
  d.cost = [](const CostContext& c) {
    // Roughly four MACs per bilinear sample and a few samples per bin: counted as 4 per output.
    Cost cost = bytes_only_cost(c);
    cost.bytes_read = c.inputs[1].bytes() + c.inputs[2].bytes() + c.outputs[0].bytes() * 4;
    cost.macs = 4.0 * static_cast<double>(shape_numel(c.outputs[0].shape));
    return cost;
  };
  return d;
}

// ---- MaxRoiPool (1) -------------------------------------------------------------------------
// X [N, C, H, W], rois [R, 5] (batch, x1, y1, x2, y2) -> [R, C, pooled_h, pooled_w]: the maximum
// of each bin of the rounded, scaled region (an empty bin gives 0).

OpDef max_roi_pool_def() {
  OpDef d;
  d.op_type = "MaxRoiPool";
  d.attributes = {{"pooled_shape", AttrType::INTS}, {"spatial_scale", AttrType::FLOAT}};
  d.infer = [](InferContext& c) {
    c.expect_inputs(2, 2);
    infer_roi_common(c, 5, "batch, x1, y1, x2, y2");
    if (!c.attrs().has("pooled_shape")) c.error("required attribute 'pooled_shape' is missing");
    const auto pooled = c.attrs().get_ints("pooled_shape");
    if (pooled.size() != 2 || pooled[0] < 1 || pooled[1] < 1)
      c.error("attribute 'pooled_shape' must be two positive sizes [height, width]");
    c.set_output(0, c.dtype(0), {c.shape(1)[0], c.shape(0)[1], pooled[0], pooled[1]});
  };
  d.reference = [](const Node& n, std::span<const Tensor* const> in, std::span<Tensor* const> out) {
    const Tensor& x = *in[0];
    const Tensor& rois = *in[1];
    Tensor& y = *out[0];
    const int64_t channels = x.dim(1), h = x.dim(2), w = x.dim(3), ph = y.dim(2), pw = y.dim(3);
    const double scale = n.attrs.get_float("spatial_scale", 1.0f);
    dispatch_float(x.dtype(), [&](auto tag) {
      using T = decltype(tag);
      const T* rp = rois.data_as<T>();
      for (int64_t r = 0; r < rois.dim(0); ++r) {
        const double b = rp[r * 5];
        if (!(b >= 0 && b < static_cast<double>(x.dim(0))))
          fail(Graph::describe(n), ": roi ", r, " names batch ", b, ", out of range for ", x.dim(0), " images");
        const int64_t image = static_cast<int64_t>(b);
        for (int k = 1; k < 5; ++k)
          if (!(std::abs(rp[r * 5 + k] * scale) < roi_align::kMaxRoiExtent))
            fail(Graph::describe(n), ": roi ", r, " is not finite or lies beyond ", roi_align::kMaxRoiExtent,
                 " pixels");
        const int64_t x0 = std::llround(rp[r * 5 + 1] * scale), y0 = std::llround(rp[r * 5 + 2] * scale);
        const int64_t x1 = std::llround(rp[r * 5 + 3] * scale), y1 = std::llround(rp[r * 5 + 4] * scale);
        const double bin_h = static_cast<double>(std::max<int64_t>(y1 - y0 + 1, 1)) / static_cast<double>(ph);
        const double bin_w = static_cast<double>(std::max<int64_t>(x1 - x0 + 1, 1)) / static_cast<double>(pw);
        for (int64_t ch = 0; ch < channels; ++ch) {
          const T* plane = x.data_as<T>() + (image * channels + ch) * h * w;
          T* dst = y.data_as<T>() + (r * channels + ch) * ph * pw;
          for (int64_t i = 0; i < ph; ++i)
            for (int64_t j = 0; j < pw; ++j) {
              auto clip = [](double v, int64_t start, int64_t dim) {
                return std::clamp<int64_t>(static_cast<int64_t>(v) + start, 0, dim);
              };
              const int64_t hs = clip(std::floor(i * bin_h), y0, h), he = clip(std::ceil((i + 1) * bin_h), y0, h);
              const int64_t ws = clip(std::floor(j * bin_w), x0, w), we = clip(std::ceil((j + 1) * bin_w), x0, w);
              T best = 0;
              bool any = false;
              for (int64_t yy = hs; yy < he; ++yy)
                for (int64_t xx = ws; xx < we; ++xx) {
                  const T v = plane[yy * w + xx];
                  if (!any || v > best) best = v;
                  any = true;
                }
              dst[i * pw + j] = best;
            }
        }
      }
    });
  };
  d.cost = [](const CostContext& c) {
    Cost cost = bytes_only_cost(c);
    cost.other_ops = static_cast<double>(shape_numel(c.outputs[0].shape));  // at least one compare per output
    return cost;
  };
  return d;
}

}  // namespace

void register_nn_detection_ops(OpRegistry& r) {
  r.add_op(non_max_suppression_def());
  r.add_op(roi_align_def(10, 15));
  r.add_op(roi_align_def(16, INT_MAX));
  r.add_op(max_roi_pool_def());
}

}  // namespace layerscope
