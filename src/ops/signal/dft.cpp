// DFT and STFT: Fourier transforms along one axis of a signal whose last dimension holds a
// real value (size 1) or a complex one (size 2: real, imaginary). Computed in double with the
// mixed-radix FFT of fft.h; the output always holds complex values, in the input's type.
#include <cmath>

#include "ops/signal/fft.h"
#include "ops/signal/signal_common.h"

namespace layerscope {

int64_t scalar_int_input(const Node& n, const Tensor& t, int i, const char* what) {
  if (t.numel() != 1 || t.rank() > 1)
    fail(Graph::describe(n), ": input ", i, " (", what, ") must be a scalar, got shape ", shape_to_string(t.shape()));
  if (t.dtype() != DType::I32 && t.dtype() != DType::I64)
    fail(Graph::describe(n), ": input ", i, " (", what, ") must be int32 or int64, got ", dtype_name(t.dtype()));
  return element_as_int(t, 0);
}

std::vector<double> as_doubles(const Tensor& t) {
  std::vector<double> v(t.numel());
  for (int64_t i = 0; i < t.numel(); ++i) v[i] = element_as_double(t, i);
  return v;
}

namespace {

// What a DFT node computes, from its attributes and its (optional) dft_length and axis inputs.
struct DftParams {
  int axis = 1;         // non-negative, never the last (real/imaginary) dimension
  int64_t length = 0;   // transform length: the axis is zero-padded or truncated to it
  int64_t out_len = 0;  // length / 2 + 1 when onesided, else length
  bool inverse = false;
};

int64_t binary_attr(const Node& n, const char* name, int64_t dflt = 0) {
  const int64_t v = n.attrs.get_int(name, dflt);
  if (v != 0 && v != 1) fail(Graph::describe(n), ": attribute '", name, "' must be 0 or 1, got ", v);
  return v;
}

DftParams dft_params(const Node& n, const Shape& x, const Tensor* dft_length, const Tensor* axis_input) {
  const int r = static_cast<int>(x.size());
  if (r < 2 || (x.back() != 1 && x.back() != 2))
    fail(Graph::describe(n), ": input must have rank >= 2 and a last dimension of 1 (real) or 2 (complex), got shape ",
         shape_to_string(x));
  // Opset 17 takes the axis as an attribute (default 1), opset 20 as an input (default -2).
  int64_t axis = n.opset < 20 ? n.attrs.get_int("axis", 1) : -2;
  if (axis_input) axis = scalar_int_input(n, *axis_input, 2, "axis");
  if (axis < -r || axis > r - 2 || axis == -1)
    fail(Graph::describe(n), ": axis ", axis, " is out of range for rank ", r, " (accepted: [", -r, ", -2] and [0, ",
         r - 2, "]; the last dimension holds real/imaginary parts)");
  DftParams p;
  p.axis = static_cast<int>(axis < 0 ? axis + r : axis);
  p.length = x[p.axis];
  if (dft_length) {
    p.length = scalar_int_input(n, *dft_length, 1, "dft_length");
    if (p.length < 1) fail(Graph::describe(n), ": dft_length must be positive, got ", p.length);
  }
  p.inverse = binary_attr(n, "inverse") != 0;
  p.out_len = binary_attr(n, "onesided") != 0 ? p.length / 2 + 1 : p.length;
  return p;
}

// One transform over `count` rows: row t reads x[(o*n_in + j)*inner + i] (j < n_in) as complex
// values (channels 1 or 2) and writes y[(o*out_len + k)*inner + i] for k < out_len.
void transform_rows(const std::vector<double>& x, int64_t outer, int64_t n_in, int64_t inner, int64_t channels,
                    const std::vector<double>* window, FftPlan& plan, int64_t out_len, Tensor& y) {
  std::vector<std::complex<double>> in(plan.size()), out;
  const int64_t used = std::min(n_in, plan.size());
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      std::fill(in.begin(), in.end(), std::complex<double>{});
      for (int64_t j = 0; j < used; ++j) {
        const int64_t at = ((o * n_in + j) * inner + i) * channels;
        const double w = window ? (*window)[j] : 1.0;
        in[j] = {x[at] * w, channels == 2 ? x[at + 1] * w : 0.0};
      }
      plan.run(in, out);
      for (int64_t k = 0; k < out_len; ++k) {
        const int64_t at = ((o * out_len + k) * inner + i) * 2;
        store_double(y.dtype(), y.data(), at, out[k].real());
        store_double(y.dtype(), y.data(), at + 1, out[k].imag());
      }
    }
}

Cost transform_cost(const CostContext& c, double transforms, int64_t length) {
  Cost cost = bytes_only_cost(c);
  cost.macs = transforms * 4.0 * fft_complex_macs(length);  // a complex MAC is 4 real ones
  return cost;
}

OpDef dft_def(int since, int until) {
  OpDef d = op_def("DFT", since, until);
  d.attributes = {{"inverse", AttrType::INT}, {"onesided", AttrType::INT}};
  if (since < 20) d.attributes.push_back({"axis", AttrType::INT});
  d.value_inputs = since < 20 ? std::vector<int>{1} : std::vector<int>{1, 2};
  d.infer = [since](InferContext& c) {
    c.expect_inputs(1, since < 20 ? 2 : 3);
    if (!is_signal_float(c.dtype(0))) c.expect_dtype_in(0, {DType::F32, DType::F64, DType::F16, DType::BF16});
    const DftParams p = dft_params(c.node(), c.shape(0), c.has_input(1) ? &c.value(1) : nullptr,
                                   c.has_input(2) ? &c.value(2) : nullptr);
    Shape out = c.shape(0);
    out[p.axis] = p.out_len;
    out.back() = 2;
    c.set_output(0, c.dtype(0), out);
  };
  d.reference = [](const Node& n, std::span<const Tensor* const> in, std::span<Tensor* const> out) {
    const Tensor& x = *in[0];
    const DftParams p = dft_params(n, x.shape(), in.size() > 1 ? in[1] : nullptr, in.size() > 2 ? in[2] : nullptr);
    int64_t outer = 1, inner = 1;
    for (int d = 0; d < p.axis; ++d) outer *= x.dim(d);
    for (int d = p.axis + 1; d < x.rank() - 1; ++d) inner *= x.dim(d);
    FftPlan plan(p.length, p.inverse);
    transform_rows(as_doubles(x), outer, x.dim(p.axis), inner, x.dim(-1), nullptr, plan, p.out_len, *out[0]);
  };
  // CostContext has shapes, not the axis input's value: the axis is the dimension whose size
  // changed, else the attribute's (opset 17) or the default (opset 20). The length is exact
  // unless onesided with a dft_length input, where an odd one counts as the even below it.
  d.cost = [](const CostContext& c) {
    const Shape& x = c.inputs[0].shape;
    const Shape& y = c.outputs[0].shape;
    const int r = static_cast<int>(y.size());
    int64_t axis = c.node.opset < 20 ? c.node.attrs.get_int("axis", 1) : -2;
    axis = axis < 0 ? axis + r : axis;
    for (int d = 0; d + 1 < r; ++d)
      if (x[d] != y[d]) axis = d;
    if (axis < 0 || axis >= r - 1) return bytes_only_cost(c);
    const int64_t out_len = y[axis];
    int64_t length = out_len;
    if (c.node.attrs.get_int("onesided", 0) != 0) length = x[axis] / 2 + 1 == out_len ? x[axis] : 2 * (out_len - 1);
    const double rows = out_len > 0 ? static_cast<double>(shape_numel(y) / 2 / out_len) : 0.0;
    return transform_cost(c, rows, length);
  };
  return d;
}

// What an STFT node computes: frames of frame_length samples every frame_step samples, each
// multiplied by the window (ones when omitted) and transformed; onesided (bins 0..n/2) unless
// the attribute says 0 (STFT's default is 1, DFT's 0).
struct StftParams {
  int64_t step = 0, frame_length = 0, frames = 0, bins = 0;
};

StftParams stft_params(const Node& n, const Shape& x, const Tensor& frame_step, const Shape* window,
                       const Tensor* frame_length) {
  if (x.size() != 3 || (x[2] != 1 && x[2] != 2))
    fail(Graph::describe(n), ": signal must be [batch, length, 1 or 2] (real or complex), got shape ",
         shape_to_string(x));
  StftParams p;
  p.step = scalar_int_input(n, frame_step, 1, "frame_step");
  if (p.step < 1) fail(Graph::describe(n), ": frame_step must be positive, got ", p.step);
  if (window && window->size() != 1)
    fail(Graph::describe(n), ": window must be 1-D, got shape ", shape_to_string(*window));
  // Without frame_length the window's length, without either the whole signal (one frame).
  p.frame_length = window ? (*window)[0] : x[1];
  if (frame_length) {
    p.frame_length = scalar_int_input(n, *frame_length, 3, "frame_length");
    if (window && (*window)[0] != p.frame_length)
      fail(Graph::describe(n), ": the window has ", (*window)[0], " elements but frame_length is ", p.frame_length);
  }
  if (p.frame_length < 1 || p.frame_length > x[1])
    fail(Graph::describe(n), ": frame length ", p.frame_length, " must be in [1, ", x[1], "] (the signal's length)");
  p.frames = 1 + (x[1] - p.frame_length) / p.step;
  p.bins = binary_attr(n, "onesided", 1) != 0 ? p.frame_length / 2 + 1 : p.frame_length;
  return p;
}

OpDef stft_def() {
  OpDef d = op_def("STFT", 17);
  d.attributes = {{"onesided", AttrType::INT}};
  d.value_inputs = {1, 3};
  d.infer = [](InferContext& c) {
    c.expect_inputs(2, 4);
    c.expect_dtype_in(0, {DType::F32, DType::F64, DType::F16, DType::BF16});
    if (c.has_input(2) && c.dtype(2) != c.dtype(0))
      c.error("window has type ", dtype_name(c.dtype(2)), "; expected the signal's, ", dtype_name(c.dtype(0)));
    const StftParams p = stft_params(c.node(), c.shape(0), c.value(1), c.has_input(2) ? &c.shape(2) : nullptr,
                                     c.has_input(3) ? &c.value(3) : nullptr);
    c.set_output(0, c.dtype(0), {c.shape(0)[0], p.frames, p.bins, 2});
  };
  // y[b, f, k] = sum_j x[b, f*step + j] * window[j] * e^{-2 pi i jk/frame_length}
  d.reference = [](const Node& n, std::span<const Tensor* const> in, std::span<Tensor* const> out) {
    const Tensor& x = *in[0];
    const Tensor* window = in.size() > 2 ? in[2] : nullptr;
    const StftParams p =
        stft_params(n, x.shape(), *in[1], window ? &window->shape() : nullptr, in.size() > 3 ? in[3] : nullptr);
    const std::vector<double> xs = as_doubles(x);
    const std::vector<double> w = window ? as_doubles(*window) : std::vector<double>(p.frame_length, 1.0);
    const int64_t channels = x.dim(2);
    FftPlan plan(p.frame_length, false);
    std::vector<std::complex<double>> frame(p.frame_length), spectrum;
    Tensor& y = *out[0];
    for (int64_t b = 0; b < x.dim(0); ++b)
      for (int64_t f = 0; f < p.frames; ++f) {
        for (int64_t j = 0; j < p.frame_length; ++j) {
          const int64_t at = (b * x.dim(1) + f * p.step + j) * channels;
          frame[j] = {xs[at] * w[j], channels == 2 ? xs[at + 1] * w[j] : 0.0};
        }
        plan.run(frame, spectrum);
        for (int64_t k = 0; k < p.bins; ++k) {
          const int64_t at = ((b * p.frames + f) * p.bins + k) * 2;
          store_double(y.dtype(), y.data(), at, spectrum[k].real());
          store_double(y.dtype(), y.data(), at + 1, spectrum[k].imag());
        }
      }
  };
  // The frame length is the window's when given; else, from the bins, exact unless onesided
  // (an odd length then counts as the even one below it).
  d.cost = [](const CostContext& c) {
    const Shape& y = c.outputs[0].shape;
    int64_t length = y[2];
    if (c.inputs.size() > 2 && c.inputs[2].dtype != DType::Undefined) length = c.inputs[2].shape[0];
    else if (c.node.attrs.get_int("onesided", 1) != 0) length = 2 * (y[2] - 1);
    return transform_cost(c, static_cast<double>(y[0] * y[1]), length);
  };
  return d;
}

}  // namespace

void register_dft_ops(OpRegistry& r) {
  r.add_op(dft_def(17, 19));
  r.add_op(dft_def(20, INT_MAX));
  r.add_op(stft_def());
}

}  // namespace layerscope
