#include "ops/nn/conv_geometry.h"

#include <algorithm>
#include <string>

namespace layerscope {
namespace {

template <typename... A>
[[noreturn]] void geometry_error(const Node& node, const A&... parts) {
  fail(Graph::describe(node), ": ", parts...);
}

// Python-style floor division (also correct for negative numerators).
int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }
int64_t ceil_div(int64_t a, int64_t b) { return -floor_div(-a, b); }

std::string ints_to_string(const std::vector<int64_t>& v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + std::to_string(v[i]);
  return s + "]";
}

// A per-spatial-dim attribute: absent -> n copies of `dflt`; present -> exactly n values >= min.
std::vector<int64_t> spatial_attr(const Node& node, const char* name, size_t n, int64_t dflt, int64_t min) {
  if (!node.attrs.has(name)) return std::vector<int64_t>(n, dflt);
  std::vector<int64_t> v = node.attrs.get_ints(name);
  if (v.size() != n)
    geometry_error(node, "attribute '", name, "' has ", v.size(), " values; expected ", n,
                   " (one per spatial dimension)");
  for (int64_t x : v)
    if (x < min) geometry_error(node, "attribute '", name, "' = ", ints_to_string(v), " must be >= ", min);
  return v;
}

enum class AutoPad { NotSet, SameUpper, SameLower, Valid };

AutoPad auto_pad_attr(const Node& node) {
  std::string s = node.attrs.get_string("auto_pad", "NOTSET");
  if (s == "NOTSET" || s.empty()) return AutoPad::NotSet;
  if (s == "SAME_UPPER") return AutoPad::SameUpper;
  if (s == "SAME_LOWER") return AutoPad::SameLower;
  if (s == "VALID") return AutoPad::Valid;
  geometry_error(node, "attribute 'auto_pad' = '", s,
                 "' is not supported; expected one of NOTSET, SAME_UPPER, SAME_LOWER, VALID");
}

// Explicit `pads` = [b1..bk, e1..ek], all >= 0 (only meaningful with auto_pad NOTSET).
void explicit_pads(const Node& node, ConvGeometry& g) {
  size_t k = g.in_dims.size();
  std::vector<int64_t> pads = node.attrs.get_ints("pads", std::vector<int64_t>(2 * k, 0));
  if (pads.size() != 2 * k)
    geometry_error(node, "attribute 'pads' has ", pads.size(), " values; expected ", 2 * k,
                   " (begin and end per spatial dimension)");
  for (int64_t p : pads)
    if (p < 0) geometry_error(node, "attribute 'pads' = ", ints_to_string(pads), " must be >= 0");
  g.pads_begin.assign(pads.begin(), pads.begin() + k);
  g.pads_end.assign(pads.begin() + k, pads.end());
}

// SAME_*: split `total` padding; the odd element goes to the end (UPPER) or the beginning (LOWER).
void split_same_padding(AutoPad ap, int64_t total, int64_t* begin, int64_t* end) {
  int64_t half = total / 2;
  *begin = ap == AutoPad::SameUpper ? half : total - half;
  *end = total - *begin;
}

// Output dims of Conv and pooling (the sliding-window ops), resolving auto_pad into pads.
//   out = floor((in + pb + pe - dilated_kernel) / stride) + 1      (ceil with ceil_mode)
// SAME_*: out = ceil(in / stride), pads sized so the windows cover the input.
// ceil_mode drops a last window that would start in the end padding (as ONNX Runtime and
// PyTorch do), so every window overlaps the input or the begin padding.
void sliding_window_output(const Node& node, AutoPad ap, ConvGeometry& g) {
  size_t k = g.in_dims.size();
  if (ap == AutoPad::NotSet) {
    explicit_pads(node, g);
  } else {
    g.pads_begin.assign(k, 0);
    g.pads_end.assign(k, 0);
  }
  g.out_dims.assign(k, 0);
  for (size_t i = 0; i < k; ++i) {
    int64_t in = g.in_dims[i], s = g.strides[i], dk = g.dilated_kernel(static_cast<int>(i));
    if (ap == AutoPad::SameUpper || ap == AutoPad::SameLower) {
      int64_t out = ceil_div(in, s);
      int64_t total = std::max<int64_t>(0, (out - 1) * s + dk - in);
      split_same_padding(ap, total, &g.pads_begin[i], &g.pads_end[i]);
      g.out_dims[i] = out;
      continue;
    }
    int64_t span = in + g.pads_begin[i] + g.pads_end[i] - dk;
    if (span < 0)
      geometry_error(node, "the kernel (", g.kernel[i], " with dilation ", g.dilations[i],
                     ") is larger than the padded input (", in, " + pads ", g.pads_begin[i], "+", g.pads_end[i],
                     ") along spatial dimension ", i);
    int64_t out = (g.ceil_mode ? ceil_div(span, s) : span / s) + 1;
    if (g.ceil_mode && (out - 1) * s >= in + g.pads_begin[i]) --out;
    g.out_dims[i] = out;
  }
}

void read_common(const Node& node, const Shape& x, ConvGeometry& g, const char* what) {
  if (x.size() < 3)
    geometry_error(node, "input X has shape ", shape_to_string(x), "; expected rank >= 3 ([N, C, ", what,
                   "spatial dims...])");
  size_t k = x.size() - 2;
  g.N = x[0];
  g.C_in = x[1];
  g.in_dims.assign(x.begin() + 2, x.end());
  g.strides = spatial_attr(node, "strides", k, 1, 1);
  g.dilations = spatial_attr(node, "dilations", k, 1, 1);
  g.output_padding.assign(k, 0);
}

// kernel_shape is optional for Conv/ConvTranspose; when present it must match W.
void check_kernel_shape(const Node& node, const Shape& w, ConvGeometry& g) {
  g.kernel.assign(w.begin() + 2, w.end());
  for (int64_t k : g.kernel)
    if (k < 1) geometry_error(node, "weight W has shape ", shape_to_string(w), ": a kernel dim of size 0");
  if (node.attrs.has("kernel_shape")) {
    std::vector<int64_t> ks = node.attrs.get_ints("kernel_shape");
    if (ks != g.kernel)
      geometry_error(node, "attribute 'kernel_shape' = ", ints_to_string(ks),
                     " does not match the weight's spatial dims ", ints_to_string(g.kernel));
  }
}

}  // namespace

int64_t ConvGeometry::in_spatial_size() const { return shape_numel(in_dims); }
int64_t ConvGeometry::out_spatial_size() const { return shape_numel(out_dims); }
int64_t ConvGeometry::kernel_size() const { return shape_numel(kernel); }

Shape ConvGeometry::input_shape() const {
  Shape s{N, C_in};
  s.insert(s.end(), in_dims.begin(), in_dims.end());
  return s;
}

Shape ConvGeometry::output_shape() const {
  Shape s{N, C_out};
  s.insert(s.end(), out_dims.begin(), out_dims.end());
  return s;
}

Shape ConvGeometry::weight_shape() const {
  Shape s = kind == ConvKind::ConvTranspose ? Shape{C_in, C_out / group} : Shape{C_out, C_in / group};
  s.insert(s.end(), kernel.begin(), kernel.end());
  return s;
}

std::vector<int64_t> ConvGeometry::effective_pads_end() const {
  std::vector<int64_t> pe(in_dims.size());
  for (int i = 0; i < spatial_rank(); ++i) {
    if (kind == ConvKind::ConvTranspose)
      pe[i] = (in_dims[i] - 1) * strides[i] + dilated_kernel(i) - pads_begin[i] - out_dims[i];
    else pe[i] = (out_dims[i] - 1) * strides[i] + dilated_kernel(i) - in_dims[i] - pads_begin[i];
  }
  return pe;
}

ConvGeometry conv_geometry(const Node& node, const Shape& x, const Shape& w) {
  ConvGeometry g;
  g.kind = ConvKind::Conv;
  read_common(node, x, g, "");
  if (w.size() != x.size())
    geometry_error(node, "weight W has shape ", shape_to_string(w), "; expected rank ", x.size(),
                   " ([C_out, C_in/group, kernel...]) to match X ", shape_to_string(x));
  g.group = node.attrs.get_int("group", 1);
  if (g.group < 1) geometry_error(node, "attribute 'group' = ", g.group, " must be >= 1");
  g.C_out = w[0];
  if (g.C_in % g.group != 0 || w[1] * g.group != g.C_in)
    geometry_error(node, "X has ", g.C_in, " channels but W ", shape_to_string(w), " with group ", g.group, " expects ",
                   w[1] * g.group, " (W dim 1 = C_in / group)");
  if (g.C_out % g.group != 0)
    geometry_error(node, "W has ", g.C_out, " output channels, not divisible by group ", g.group);
  check_kernel_shape(node, w, g);
  sliding_window_output(node, auto_pad_attr(node), g);
  return g;
}

// ConvTranspose: out = stride * (in - 1) + output_padding + dilated_kernel - pb - pe.
// With output_shape (or SAME_*: out = in * stride) the pads are derived from the requested size:
// total = natural size - requested, split with the odd element at the end for SAME_UPPER and at
// the beginning otherwise (per the spec). A requested size larger than the natural one pads
// with zeros at the end (total clamped at 0), as ONNX Runtime does.
ConvGeometry conv_transpose_geometry(const Node& node, const Shape& x, const Shape& w) {
  ConvGeometry g;
  g.kind = ConvKind::ConvTranspose;
  read_common(node, x, g, "");
  size_t k = g.in_dims.size();
  if (w.size() != x.size())
    geometry_error(node, "weight W has shape ", shape_to_string(w), "; expected rank ", x.size(),
                   " ([C_in, C_out/group, kernel...]) to match X ", shape_to_string(x));
  g.group = node.attrs.get_int("group", 1);
  if (g.group < 1) geometry_error(node, "attribute 'group' = ", g.group, " must be >= 1");
  if (w[0] != g.C_in || g.C_in % g.group != 0)
    geometry_error(node, "X has ", g.C_in, " channels but W ", shape_to_string(w), " with group ", g.group,
                   " expects W dim 0 = C_in, divisible by group");
  g.C_out = w[1] * g.group;
  check_kernel_shape(node, w, g);
  g.output_padding = spatial_attr(node, "output_padding", k, 0, 0);
  AutoPad ap = auto_pad_attr(node);

  std::vector<int64_t> requested;
  if (node.attrs.has("output_shape")) {
    requested = node.attrs.get_ints("output_shape");
    if (requested.size() == k + 2) requested.erase(requested.begin(), requested.begin() + 2);
    if (requested.size() != k)
      geometry_error(node, "attribute 'output_shape' = ", ints_to_string(node.attrs.get_ints("output_shape")),
                     " must have one value per spatial dimension (", k, ")");
  } else if (ap == AutoPad::SameUpper || ap == AutoPad::SameLower) {
    requested.resize(k);
    for (size_t i = 0; i < k; ++i) requested[i] = g.in_dims[i] * g.strides[i];
  }

  g.pads_begin.assign(k, 0);
  g.pads_end.assign(k, 0);
  if (requested.empty() && ap == AutoPad::NotSet) explicit_pads(node, g);
  g.out_dims.assign(k, 0);
  for (size_t i = 0; i < k; ++i) {
    int64_t natural = g.strides[i] * (g.in_dims[i] - 1) + g.output_padding[i] + g.dilated_kernel(static_cast<int>(i));
    if (!requested.empty()) {
      int64_t total = std::max<int64_t>(0, natural - requested[i]);
      int64_t half = total / 2;
      g.pads_begin[i] = ap == AutoPad::SameUpper ? half : total - half;
      g.pads_end[i] = total - g.pads_begin[i];
      g.out_dims[i] = requested[i];
    } else {
      g.out_dims[i] = natural - g.pads_begin[i] - g.pads_end[i];
    }
    if (g.out_dims[i] <= 0 && g.in_dims[i] > 0)
      geometry_error(node, "output spatial dimension ", i, " would be ", g.out_dims[i], " (input ", g.in_dims[i],
                     ", pads ", g.pads_begin[i], "+", g.pads_end[i], ")");
  }
  return g;
}

ConvGeometry pool_geometry(const Node& node, const Shape& x) {
  ConvGeometry g;
  g.kind = ConvKind::Pool;
  read_common(node, x, g, "");
  g.C_out = g.C_in;
  size_t k = g.in_dims.size();
  bool global = node.op_type.rfind("Global", 0) == 0;
  if (global) {
    g.kernel = g.in_dims;
    g.strides.assign(k, 1);
    g.dilations.assign(k, 1);
    g.pads_begin.assign(k, 0);
    g.pads_end.assign(k, 0);
    g.out_dims.assign(k, 1);
    return g;
  }
  if (!node.attrs.has("kernel_shape")) geometry_error(node, "required attribute 'kernel_shape' is missing");
  g.kernel = spatial_attr(node, "kernel_shape", k, 1, 1);
  g.ceil_mode = node.attrs.get_int("ceil_mode", 0) != 0;
  sliding_window_output(node, auto_pad_attr(node), g);
  return g;
}

}  // namespace layerscope
