// Window functions (HannWindow, HammingWindow, BlackmanWindow) and MelWeightMatrix: tensors
// computed from a few scalar inputs, in double, stored in output_datatype (float by default).
#include <cmath>
#include <cstring>
#include <functional>

#include "ops/signal/signal_common.h"

namespace layerscope {

namespace {

// The element types output_datatype may name (the schemas' T2 / T3).
bool is_window_output_type(DType dt) {
  switch (dt) {
    case DType::U8:
    case DType::U16:
    case DType::U32:
    case DType::U64:
    case DType::I8:
    case DType::I16:
    case DType::I32:
    case DType::I64:
    case DType::F16:
    case DType::F32:
    case DType::F64:
    case DType::BF16: return true;
    default: return false;
  }
}

DType output_datatype(const InferContext& c) {
  const int64_t code = c.attrs().get_int("output_datatype", static_cast<int64_t>(DType::F32));
  const DType dt = static_cast<DType>(code);
  if (!is_window_output_type(dt))
    c.error("attribute 'output_datatype' = ", code, " is not a supported element type (a numeric TensorProto type)");
  return dt;
}

// w[n] = f(n, N) for n < size, N = size when periodic (the default), size - 1 when symmetric.
// A symmetric window of one sample is [1] (as numpy and PyTorch make it; the formula is 0/0).
using WindowFormula = double (*)(double n, double N);

OpDef window_def(const char* op_type, WindowFormula f) {
  OpDef d = op_def(op_type, 17);
  d.attributes = {{"output_datatype", AttrType::INT}, {"periodic", AttrType::INT}};
  d.value_inputs = {0};
  d.infer = [](InferContext& c) {
    c.expect_inputs(1, 1);
    c.expect_dtype_in(0, {DType::I32, DType::I64});
    const int64_t size = scalar_int_input(c.node(), c.value(0), 0, "size");
    if (size < 0) c.error("size must not be negative, got ", size);
    const int64_t periodic = c.attrs().get_int("periodic", 1);
    if (periodic != 0 && periodic != 1) c.error("attribute 'periodic' must be 0 or 1, got ", periodic);
    c.set_output(0, output_datatype(c), {size});
  };
  d.reference = [f](const Node& n, std::span<const Tensor* const>, std::span<Tensor* const> out) {
    Tensor& y = *out[0];
    const int64_t size = y.numel();
    const double N = static_cast<double>(n.attrs.get_int("periodic", 1) != 0 ? size : size - 1);
    for (int64_t i = 0; i < size; ++i)
      store_double(y.dtype(), y.data(), i, N == 0 ? 1.0 : f(static_cast<double>(i), N));
  };
  d.cost = [](const CostContext& c) {
    Cost cost = bytes_only_cost(c);
    cost.other_ops = 4.0 * static_cast<double>(shape_numel(c.outputs[0].shape));  // a cos or two per element
    return cost;
  };
  return d;
}

double hann(double n, double N) {
  const double s = std::sin(M_PI * n / N);
  return s * s;
}
// alpha = 25/46, beta = 21/46: the spec's (and PyTorch's, to 2 digits: 0.54, 0.46).
double hamming(double n, double N) { return 25.0 / 46.0 - 21.0 / 46.0 * std::cos(2 * M_PI * n / N); }
double blackman(double n, double N) {
  return 0.42 - 0.5 * std::cos(2 * M_PI * n / N) + 0.08 * std::cos(4 * M_PI * n / N);
}

// MelWeightMatrix's parameters: input i of the node (num_mel_bins, dft_length, sample_rate:
// integers; lower_edge_hertz, upper_edge_hertz: floats).
struct MelParams {
  int64_t mel_bins = 0, dft_length = 0, sample_rate = 0;
  double lower = 0, upper = 0;
  int64_t spectrogram_bins() const { return dft_length / 2 + 1; }
};

double scalar_float_input(const Node& n, const Tensor& t, int i, const char* what) {
  if (t.numel() != 1 || t.rank() > 1)
    fail(Graph::describe(n), ": input ", i, " (", what, ") must be a scalar, got shape ", shape_to_string(t.shape()));
  return element_as_double(t, 0);
}

// The spectrogram bin of each of the mel_bins + 2 band edges, equally spaced in mel
// (mel = 2595 log10(1 + hertz/700)): floor((dft_length + 1) * hertz / sample_rate). The step
// is (high - low) / (mel_bins + 2) as in the ONNX reference (so the top edge stays below upper).
std::vector<int64_t> mel_edges(const Node& n, const MelParams& p) {
  if (p.sample_rate <= 0) fail(Graph::describe(n), ": sample_rate must be positive, got ", p.sample_rate);
  if (!(p.lower >= 0 && p.lower <= p.upper))
    fail(Graph::describe(n), ": expected 0 <= lower_edge_hertz <= upper_edge_hertz, got ", p.lower, " and ", p.upper);
  auto mel = [](double hz) { return 2595.0 * std::log10(1.0 + hz / 700.0); };
  const double low = mel(p.lower), step = (mel(p.upper) - low) / static_cast<double>(p.mel_bins + 2);
  std::vector<int64_t> edges(p.mel_bins + 2);
  for (int64_t i = 0; i < p.mel_bins + 2; ++i) {
    const double hz = 700.0 * (std::pow(10.0, (low + static_cast<double>(i) * step) / 2595.0) - 1.0);
    edges[i] = static_cast<int64_t>(
        std::floor(static_cast<double>(p.dft_length + 1) * hz / static_cast<double>(p.sample_rate)));
    if (edges[i] >= p.spectrogram_bins())
      fail(Graph::describe(n), ": upper_edge_hertz ", p.upper, " lies above the spectrogram's highest bin (",
           p.spectrogram_bins(), " bins of a ", p.dft_length, "-point DFT at ", p.sample_rate,
           " Hz): it must not exceed about sample_rate / 2");
  }
  return edges;
}

OpDef mel_weight_matrix_def() {
  OpDef d = op_def("MelWeightMatrix", 17);
  d.attributes = {{"output_datatype", AttrType::INT}};
  d.value_inputs = {0, 1};
  d.infer = [](InferContext& c) {
    c.expect_inputs(5, 5);
    for (int i = 0; i < 3; ++i) c.expect_dtype_in(i, {DType::I32, DType::I64});
    for (int i = 3; i < 5; ++i) c.expect_dtype_in(i, {DType::F32, DType::F64, DType::F16, DType::BF16});
    MelParams p;
    p.mel_bins = scalar_int_input(c.node(), c.value(0), 0, "num_mel_bins");
    p.dft_length = scalar_int_input(c.node(), c.value(1), 1, "dft_length");
    if (p.mel_bins < 1 || p.dft_length < 1)
      c.error("num_mel_bins and dft_length must be positive, got ", p.mel_bins, " and ", p.dft_length);
    const Tensor *rate = c.value_if_known(2), *lo = c.value_if_known(3), *hi = c.value_if_known(4);
    // All known now (and a plausible size, so the check allocates little): the bands must fit
    // the spectrogram; else the kernel checks at run time.
    if (rate && lo && hi && p.mel_bins <= (int64_t{1} << 24)) {
      p.sample_rate = scalar_int_input(c.node(), *rate, 2, "sample_rate");
      p.lower = scalar_float_input(c.node(), *lo, 3, "lower_edge_hertz");
      p.upper = scalar_float_input(c.node(), *hi, 4, "upper_edge_hertz");
      mel_edges(c.node(), p);
    }
    c.set_output(0, output_datatype(c), {p.spectrogram_bins(), p.mel_bins});
  };
  // Column i is a triangle over the bins [edge i, edge i+2], rising to 1 at edge i+1.
  d.reference = [](const Node& n, std::span<const Tensor* const> in, std::span<Tensor* const> out) {
    MelParams p;
    p.mel_bins = scalar_int_input(n, *in[0], 0, "num_mel_bins");
    p.dft_length = scalar_int_input(n, *in[1], 1, "dft_length");
    p.sample_rate = scalar_int_input(n, *in[2], 2, "sample_rate");
    p.lower = scalar_float_input(n, *in[3], 3, "lower_edge_hertz");
    p.upper = scalar_float_input(n, *in[4], 4, "upper_edge_hertz");
    const std::vector<int64_t> e = mel_edges(n, p);
    Tensor& y = *out[0];
    std::memset(y.data(), 0, y.nbytes());  // 0 in every output type
    const int64_t cols = p.mel_bins;
    auto put = [&](int64_t row, int64_t col, double v) { store_double(y.dtype(), y.data(), row * cols + col, v); };
    for (int64_t i = 0; i < cols; ++i) {
      const int64_t left = e[i], center = e[i + 1], right = e[i + 2];
      if (center == left) put(center, i, 1.0);
      for (int64_t j = left; center > left && j <= center; ++j)
        put(j, i, static_cast<double>(j - left) / static_cast<double>(center - left));
      for (int64_t j = center; j < right; ++j)
        put(j, i, static_cast<double>(right - j) / static_cast<double>(right - center));
    }
  };
  return d;
}

}  // namespace

void register_window_ops(OpRegistry& r) {
  r.add_op(window_def("HannWindow", hann));
  r.add_op(window_def("HammingWindow", hamming));
  r.add_op(window_def("BlackmanWindow", blackman));
  r.add_op(mel_weight_matrix_def());
}

void register_signal_ops(OpRegistry& r) {
  register_dft_ops(r);
  register_window_ops(r);
}

}  // namespace layerscope
