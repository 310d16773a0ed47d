// Native kernels for the per-tensor (de)quantization that remains between int8 layers and float
// ones in quantized models, and for the int8 residual add:
//   native:quantize    QuantizeLinear    float32 -> int8/uint8, one scale and zero point
//   native:dequantize  DequantizeLinear  int8/uint8/int32 -> float32, one scale and zero point
//   native:qgap        com.microsoft QLinearGlobalAveragePool, NCHW or NHWC input
//   native:qadd        com.microsoft QLinearAdd, same-shape int8/uint8 operands, or B a constant
//                      row along A's last axis (a linear layer's quantized bias)
//   native:qmul        com.microsoft QLinearMul, same-shape operands (a SiLU's x * sigmoid(x))
//   native:qlut        com.microsoft QLinearSigmoid, QLinearLeakyRelu: the reference's 256-entry
//                      table (ops/quant/qlinear_elementwise.h), one lookup per element
// Each computes what the reference kernel (ops/quant/) does, with the same float operations in
// the same order, so results are identical: quantize divides by the scale (no reciprocal),
// rounds half to even and saturates; the add is the reference's two fused multiply-adds. Per-axis scales, broadcasting
// and other types run the reference. The loops run in float lanes the compiler vectorises (rounding with the 1.5 * 2^23
// trick, which rounds half to even in the default rounding mode once the value is clamped to the type's range), in
// parallel chunks over the elements.
#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <vector>

#if defined(__AVX512VBMI__)
#include <immintrin.h>
#endif

#include "kernels/kernel_registry.h"
#include "kernels/native/elementwise_broadcast.h"
#include "ops/quant/qlinear_elementwise.h"
#include "ops/quant/quant_math.h"

namespace layerscope {
namespace native {
namespace {

constexpr int kPriority = 10;
constexpr int64_t kParallelElements = 1 << 15;  // below this, one thread

// round-half-even(v) for |v| < 2^22, as float: adding and subtracting 1.5 * 2^23 leaves the
// nearest integer (ties to even) in the default rounding mode.
inline float round_even(float v) {
  constexpr float kMagic = 12582912.f;  // 1.5 * 2^23
  return (v + kMagic) - kMagic;
}

// q = saturate(round(v) + zero) for v = x / scale, computed as clamp(v, lo - zero, hi - zero)
// (integer bounds, so clamping before rounding gives the same result), rounded, plus zero.
// A NaN gives 0, as in the reference (ops/quant/quant_math.h).
template <typename T>
void quantize_span(const float* x, T* y, int64_t n, float scale, int32_t zero) {
  const float lo = static_cast<float>(std::numeric_limits<T>::lowest() - zero);
  const float hi = static_cast<float>(std::numeric_limits<T>::max() - zero);
  const float z = static_cast<float>(zero);
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) {
    float v = x[i] / scale;
    v = v == v ? v : -z;  // NaN -> 0 after the zero point (the reference's choice)
    v = std::min(std::max(v, lo), hi);
    y[i] = static_cast<T>(round_even(v) + z);
  }
}

template <typename T>
void dequantize_span(const T* q, float* y, int64_t n, float scale, int32_t zero) {
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) y[i] = static_cast<float>(static_cast<int32_t>(q[i]) - zero) * scale;
}

// c = saturate(round(a * ra + (b * rb + bias))) with ra = a_scale / c_scale, rb = b_scale /
// c_scale and the zero points folded into bias = c_zp - (a_zp * ra + b_zp * rb): two fused
// multiply-adds in float, the reference's (and onnxruntime's) order, so that values within float
// error of a half step round the same way.
template <typename T>
void qadd_span(const T* a, const T* b, T* c, int64_t n, float ra, float rb, float bias) {
  const float lo = static_cast<float>(std::numeric_limits<T>::lowest());
  const float hi = static_cast<float>(std::numeric_limits<T>::max());
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) {
    float v = std::fma(static_cast<float>(a[i]), ra, std::fma(static_cast<float>(b[i]), rb, bias));
    v = std::min(std::max(v, lo), hi);
    c[i] = static_cast<T>(round_even(v));
  }
}

// A constant input holding one element (any rank), or absent (-> nullptr).
const Tensor* single(const KernelSetup& s, int k) {
  if (k >= static_cast<int>(s.inputs.size()) || s.node.inputs[k] < 0) return nullptr;
  const Tensor* t = s.constants[k];
  return t && t->numel() == 1 ? t : nullptr;
}
bool absent(const KernelSetup& s, int k) { return k >= static_cast<int>(s.inputs.size()) || s.node.inputs[k] < 0; }

// A scale: a float32 constant of one element that is positive and finite.
std::optional<float> scale_of(const KernelSetup& s, int k) {
  const Tensor* t = single(s, k);
  if (!t || t->dtype() != DType::F32) return std::nullopt;
  const float v = *t->data_as<float>();
  if (!(v > 0.f) || !std::isfinite(v)) return std::nullopt;
  return v;
}

// A zero point: a constant of one element (0 when absent).
std::optional<int32_t> zero_of(const KernelSetup& s, int k) {
  if (absent(s, k)) return 0;
  const Tensor* t = single(s, k);
  if (!t) return std::nullopt;
  switch (t->dtype()) {
    case DType::I8: return *t->data_as<int8_t>();
    case DType::U8: return *t->data_as<uint8_t>();
    case DType::I32: return *t->data_as<int32_t>();
    default: return std::nullopt;
  }
}

bool int8_type(DType t) { return t == DType::I8 || t == DType::U8; }

// Shared by the three: elementwise over out[0], parallel chunks, may run in place.
class QuantKernel : public Kernel {
 public:
  OutputSharing output_sharing() const override { return {OutputSharing::Mode::InPlace, in_place_, true}; }

 protected:
  int threads_ = 1;
  std::vector<int> in_place_;
};

class QuantizeKernel final : public QuantKernel {
 public:
  std::string name() const override { return "native:quantize"; }
  void prepare(const KernelSetup& s) override {
    threads_ = std::max(1, s.threads);
    scale_ = *scale_of(s, 1);
    zero_ = *zero_of(s, 2);
    type_ = s.outputs[0].dtype;
  }
  // Float in, one-byte out: never in place.
  OutputSharing output_sharing() const override { return {}; }
  void execute(std::span<const Tensor* const> in, std::span<Tensor* const> out, void*) override {
    const float* x = in[0]->data_as<float>();
    void* y = out[0]->data();
    for_each_chunk(out[0]->numel(), threads_, [&](int64_t b, int64_t e) {
      if (type_ == DType::I8) quantize_span(x + b, static_cast<int8_t*>(y) + b, e - b, scale_, zero_);
      else quantize_span(x + b, static_cast<uint8_t*>(y) + b, e - b, scale_, zero_);
    });
  }

 private:
  float scale_ = 1.f;
  int32_t zero_ = 0;
  DType type_ = DType::U8;
};

class DequantizeKernel final : public QuantKernel {
 public:
  std::string name() const override { return "native:dequantize"; }
  void prepare(const KernelSetup& s) override {
    threads_ = std::max(1, s.threads);
    scale_ = *scale_of(s, 1);
    zero_ = *zero_of(s, 2);
    type_ = s.inputs[0].dtype;
  }
  OutputSharing output_sharing() const override { return {}; }
  void execute(std::span<const Tensor* const> in, std::span<Tensor* const> out, void*) override {
    const void* q = in[0]->data();
    float* y = out[0]->data_as<float>();
    for_each_chunk(out[0]->numel(), threads_, [&](int64_t b, int64_t e) {
      switch (type_) {
        case DType::I8: dequantize_span(static_cast<const int8_t*>(q) + b, y + b, e - b, scale_, zero_); break;
        case DType::U8: dequantize_span(static_cast<const uint8_t*>(q) + b, y + b, e - b, scale_, zero_); break;
        default: dequantize_span(static_cast<const int32_t*>(q) + b, y + b, e - b, scale_, zero_); break;
      }
    });
  }

 private:
  float scale_ = 1.f;
  int32_t zero_ = 0;
  DType type_ = DType::I8;
};

// QLinearAdd: A, A_scale, A_zero_point, B, B_scale, B_zero_point, C_scale, C_zero_point: the
// scales of A, B and C, each followed by its zero point.
constexpr int kScaleInput[3] = {1, 4, 6};

// The scales and zero points of a QLinearAdd / QLinearMul: A's, B's, C's (binary_supported
// checked that each is a usable constant).
struct BinaryQuant {
  float scale[3];
  int32_t zero[3];
};
BinaryQuant binary_quant(const KernelSetup& s) {
  BinaryQuant q;
  for (int k = 0; k < 3; ++k) {
    q.scale[k] = *scale_of(s, kScaleInput[k]);
    q.zero[k] = *zero_of(s, kScaleInput[k] + 1);
  }
  return q;
}

class QAddKernel final : public QuantKernel {
 public:
  std::string name() const override { return "native:qadd"; }
  void prepare(const KernelSetup& s) override {
    threads_ = std::max(1, s.threads);
    const BinaryQuant q = binary_quant(s);
    ra_ = q.scale[0] / q.scale[2];
    rb_ = q.scale[1] / q.scale[2];
    bias_ = static_cast<float>(q.zero[2]) - (static_cast<float>(q.zero[0]) * ra_ + static_cast<float>(q.zero[1]) * rb_);
    type_ = s.outputs[0].dtype;
    row_ = s.inputs[3].shape == s.inputs[0].shape ? 0 : shape_numel(s.inputs[3].shape);
    in_place_ = row_ ? std::vector<int>{0} : std::vector<int>{0, 3};
  }
  void execute(std::span<const Tensor* const> in, std::span<Tensor* const> out, void*) override {
    if (type_ == DType::I8) run<int8_t>(in, out);
    else run<uint8_t>(in, out);
  }

 private:
  // B a constant row added to every row of A (a bias along the last axis), or B as A.
  template <typename T>
  void run(std::span<const Tensor* const> in, std::span<Tensor* const> out) const {
    const T* a = in[0]->data_as<T>();
    const T* b = in[3]->data_as<T>();
    T* c = out[0]->data_as<T>();
    if (row_ == 0) {
      for_each_chunk(out[0]->numel(), threads_,
                     [&](int64_t lo, int64_t hi) { qadd_span(a + lo, b + lo, c + lo, hi - lo, ra_, rb_, bias_); });
      return;
    }
    const int64_t rows = out[0]->numel() / row_;
#pragma omp parallel for num_threads(threads_) schedule(static) if (out[0]->numel() >= kParallelElements)
    for (int64_t r = 0; r < rows; ++r) qadd_span(a + r * row_, b, c + r * row_, row_, ra_, rb_, bias_);
  }

  float ra_ = 1.f, rb_ = 1.f, bias_ = 0.f;
  int64_t row_ = 0;  // B's length when it is a row broadcast over A, else 0
  DType type_ = DType::U8;
};

// quant::qlinear_mul over a span, vectorised: the same float product, then clamped to the
// type's range less the zero point (integer bounds: clamping before rounding changes nothing)
// and rounded half to even with round_even, which equals the reference's nearbyint there.
template <typename T>
void qmul_span(const T* a, const T* b, T* c, int64_t n, float rab, const int32_t zero[3]) {
  const float lo = static_cast<float>(std::numeric_limits<T>::lowest() - zero[2]);
  const float hi = static_cast<float>(std::numeric_limits<T>::max() - zero[2]);
  const float za = static_cast<float>(zero[0]), zb = static_cast<float>(zero[1]), zc = static_cast<float>(zero[2]);
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) {
    // a - za and b - zb are exact in float (|.| <= 510), as the reference's int differences.
    float v = rab * (static_cast<float>(a[i]) - za) * (static_cast<float>(b[i]) - zb);
    v = std::min(std::max(v, lo), hi);
    c[i] = static_cast<T>(round_even(v) + zc);
  }
}

// QLinearMul of same-shape operands: the reference's element (qlinear_mul), in parallel chunks.
class QMulKernel final : public QuantKernel {
 public:
  std::string name() const override { return "native:qmul"; }
  void prepare(const KernelSetup& s) override {
    threads_ = std::max(1, s.threads);
    const BinaryQuant q = binary_quant(s);
    std::copy_n(q.zero, 3, zero_);
    rab_ = q.scale[0] * q.scale[1] / q.scale[2];
    type_ = s.outputs[0].dtype;
    in_place_ = {0, 3};
  }
  void execute(std::span<const Tensor* const> in, std::span<Tensor* const> out, void*) override {
    if (type_ == DType::I8) run<int8_t>(in, out);
    else run<uint8_t>(in, out);
  }

 private:
  template <typename T>
  void run(std::span<const Tensor* const> in, std::span<Tensor* const> out) const {
    const T* a = in[0]->data_as<T>();
    const T* b = in[3]->data_as<T>();
    T* c = out[0]->data_as<T>();
    for_each_chunk(out[0]->numel(), threads_,
                   [&](int64_t lo, int64_t hi) { qmul_span(a + lo, b + lo, c + lo, hi - lo, rab_, zero_); });
  }

  float rab_ = 1.f;
  int32_t zero_[3] = {0, 0, 0};
  DType type_ = DType::U8;
};

// QLinearSigmoid / QLinearLeakyRelu: the reference's table of all 256 inputs, built once.
class QLookupKernel final : public QuantKernel {
 public:
  std::string name() const override { return "native:qlut"; }
  void prepare(const KernelSetup& s) override {
    threads_ = std::max(1, s.threads);
    const float sx = *scale_of(s, 1), sy = *scale_of(s, 3);
    const int32_t zx = *zero_of(s, 2), zy = *zero_of(s, 4);
    const float alpha = s.node.attrs.get_float("alpha", 0.01f);
    if (s.outputs[0].dtype == DType::I8) {
      int8_t t[256];
      quant::qlinear_unary_table<int8_t>(s.node.op_type, alpha, sx, zx, sy, zy, t);
      for (int v = 0; v < 256; ++v) table_[v] = static_cast<uint8_t>(t[v]);
    } else {
      quant::qlinear_unary_table<uint8_t>(s.node.op_type, alpha, sx, zx, sy, zy, table_);
    }
    in_place_ = {0};
  }
  // Both types as bytes: the table maps a byte pattern to a byte pattern.
  void execute(std::span<const Tensor* const> in, std::span<Tensor* const> out, void*) override {
    const uint8_t* x = static_cast<const uint8_t*>(in[0]->data());
    uint8_t* y = static_cast<uint8_t*>(out[0]->data());
    for_each_chunk(out[0]->numel(), threads_, [&](int64_t lo, int64_t hi) { lookup(x + lo, y + lo, hi - lo); });
  }

 private:
  void lookup(const uint8_t* x, uint8_t* y, int64_t n) const {
    int64_t i = 0;
#if defined(__AVX512VBMI__)
    // 64 lookups at once: two 128-entry permutes (the index's low 7 bits), then the byte's top
    // bit picks one. 221 -> 8 us for a 1x32x112x112 uint8 tensor on Zen 5 (a byte at a time: 221).
    const __m512i t0 = _mm512_loadu_si512(table_), t1 = _mm512_loadu_si512(table_ + 64);
    const __m512i t2 = _mm512_loadu_si512(table_ + 128), t3 = _mm512_loadu_si512(table_ + 192);
    for (; i + 64 <= n; i += 64) {
      const __m512i idx = _mm512_loadu_si512(x + i);
      const __m512i low = _mm512_permutex2var_epi8(t0, idx, t1), high = _mm512_permutex2var_epi8(t2, idx, t3);
      _mm512_storeu_si512(y + i, _mm512_mask_blend_epi8(_mm512_movepi8_mask(idx), low, high));
    }
#endif
    uint8_t table[256];  // a local copy: stores through y cannot alias it
    std::copy_n(table_, 256, table);
    for (; i < n; ++i) y[i] = table[x[i]];
  }

  uint8_t table_[256] = {};
};

// com.microsoft QLinearGlobalAveragePool (channels_last 0): the integer sum of each (n, c)
// plane, less count x the input zero point, requantized with x_scale / (y_scale * count), as
// the reference. It reads the input in the layout it arrives in (NCHW, or NHWC after the int8
// convolutions, summing every channel of a pixel at once), so no Reorder is needed before it,
// and writes a plain [N, C, 1, ...] output.
class QGlobalAveragePoolKernel final : public Kernel {
 public:
  std::string name() const override { return "native:qgap"; }
  void prepare(const KernelSetup& s) override {
    threads_ = std::max(1, s.threads);
    const Shape& x = s.inputs[0].shape;
    n_ = x[0];
    c_ = x[1];
    count_ = n_ * c_ == 0 ? 0 : shape_numel(x) / (n_ * c_);
    channels_last_ = s.input_layout(0) == Layout::ChannelsLast;
    x_zero_ = *zero_of(s, 2);
    y_zero_ = *zero_of(s, 4);
    multiplier_ = *scale_of(s, 1) / (*scale_of(s, 3) * static_cast<float>(count_));
    type_ = s.outputs[0].dtype;
  }
  void execute(std::span<const Tensor* const> in, std::span<Tensor* const> out, void*) override {
    if (type_ == DType::I8) run<int8_t>(*in[0], *out[0]);
    else run<uint8_t>(*in[0], *out[0]);
  }

 private:
  template <typename T>
  void run(const Tensor& xt, Tensor& yt) const {
    const T* x = xt.data_as<T>();
    T* y = yt.data_as<T>();
    const int64_t c = c_, count = count_;
    const bool parallel = n_ * c_ * count_ >= kParallelElements && threads_ > 1;
    const int32_t correction = static_cast<int32_t>(count) * x_zero_;  // |sum| < 2^8 * count
    if (channels_last_) {
#pragma omp parallel for num_threads(threads_) schedule(static) if (parallel)
      for (int64_t n = 0; n < n_; ++n) {
        std::vector<int32_t> sum(static_cast<size_t>(c), 0);
        const T* xp = x + n * count * c;
        for (int64_t p = 0; p < count; ++p)
#pragma omp simd
          for (int64_t k = 0; k < c; ++k) sum[k] += xp[p * c + k];
        for (int64_t k = 0; k < c; ++k) y[n * c + k] = quant::requantize<T>(sum[k] - correction, multiplier_, y_zero_);
      }
      return;
    }
#pragma omp parallel for num_threads(threads_) schedule(static) if (parallel)
    for (int64_t nc = 0; nc < n_ * c; ++nc) {
      const T* xp = x + nc * count;
      int32_t sum = 0;
#pragma omp simd reduction(+ : sum)
      for (int64_t p = 0; p < count; ++p) sum += xp[p];
      y[nc] = quant::requantize<T>(sum - correction, multiplier_, y_zero_);
    }
  }

  int64_t n_ = 0, c_ = 0, count_ = 0;
  bool channels_last_ = false;
  int32_t x_zero_ = 0, y_zero_ = 0;
  float multiplier_ = 1.f;
  DType type_ = DType::U8;
  int threads_ = 1;
};

bool qgap_supported(const KernelSetup& s) {
  if (s.inputs.size() != 5 || s.outputs.size() != 1 || s.node.attrs.get_int("channels_last", 0) != 0) return false;
  const DType t = s.inputs[0].dtype;
  if (!int8_type(t) || s.outputs[0].dtype != t || s.inputs[0].shape.size() < 3) return false;
  const Layout in = s.input_layout(0);
  if ((in != Layout::Plain && in != Layout::ChannelsLast) || s.output_layout(0) != Layout::Plain) return false;
  if (shape_numel(s.inputs[0].shape) >= (int64_t{1} << 31) / 256) return false;  // int32 sums
  return scale_of(s, 1) && zero_of(s, 2) && scale_of(s, 3) && zero_of(s, 4);
}

bool quantize_supported(const KernelSetup& s) {
  if (s.inputs.empty() || s.inputs[0].dtype != DType::F32 || !int8_type(s.outputs[0].dtype)) return false;
  if (s.node.attrs.get_int("block_size", 0) != 0 || s.node.attrs.get_int("saturate", 1) != 1) return false;
  return scale_of(s, 1) && zero_of(s, 2);
}

bool dequantize_supported(const KernelSetup& s) {
  const DType t = s.inputs.empty() ? DType::Undefined : s.inputs[0].dtype;
  if (!int8_type(t) && t != DType::I32) return false;
  if (s.outputs[0].dtype != DType::F32 || s.node.attrs.get_int("block_size", 0) != 0) return false;
  return scale_of(s, 1) && zero_of(s, 2);
}

// What QLinearAdd and QLinearMul both need: A and B of C's int8 type, A of C's shape, every
// scale and zero point a usable constant (binary_quant).
bool binary_supported(const KernelSetup& s) {
  if (s.inputs.size() != 8 || absent(s, 0) || absent(s, 3)) return false;
  const DType t = s.inputs[0].dtype;
  if (!int8_type(t) || s.inputs[3].dtype != t || s.outputs[0].dtype != t) return false;
  if (s.inputs[0].shape != s.outputs[0].shape) return false;
  for (int k = 0; k < 3; ++k)
    if (!scale_of(s, kScaleInput[k]) || !zero_of(s, kScaleInput[k] + 1)) return false;
  return true;
}

bool qadd_supported(const KernelSetup& s) {
  if (!binary_supported(s)) return false;
  // B: A's shape, or a constant row along A's last axis (dims of 1 before it).
  const Shape& b = s.inputs[3].shape;
  if (b == s.outputs[0].shape) return true;
  return s.constants[3] && !b.empty() && !s.outputs[0].shape.empty() && b.back() == s.outputs[0].shape.back() &&
         shape_numel(b) == b.back() && b.size() <= s.outputs[0].shape.size();
}

bool qmul_supported(const KernelSetup& s) { return binary_supported(s) && s.inputs[3].shape == s.outputs[0].shape; }

bool qlut_supported(const KernelSetup& s) {
  if (s.inputs.size() < 4 || absent(s, 0) || !int8_type(s.inputs[0].dtype)) return false;
  if (s.outputs[0].dtype != s.inputs[0].dtype || s.inputs[0].shape != s.outputs[0].shape) return false;
  return scale_of(s, 1) && zero_of(s, 2) && scale_of(s, 3) && zero_of(s, 4);
}

}  // namespace
}  // namespace native

namespace {
template <typename K>
void add(KernelRegistry& r, const char* domain, const char* op_type, const char* name,
         bool (*supports)(const KernelSetup&)) {
  KernelDef d;
  d.op_type = op_type;
  d.domain = domain;
  d.name = name;
  d.priority = native::kPriority;
  d.supports = supports;
  d.create = [] { return std::make_unique<K>(); };
  r.add_kernel(std::move(d));
}
}  // namespace

void register_native_quantize_kernels(KernelRegistry& r) {
  using namespace native;
  add<QuantizeKernel>(r, "", "QuantizeLinear", "native:quantize", quantize_supported);
  add<DequantizeKernel>(r, "", "DequantizeLinear", "native:dequantize", dequantize_supported);
  add<QAddKernel>(r, "com.microsoft", "QLinearAdd", "native:qadd", qadd_supported);
  add<QMulKernel>(r, "com.microsoft", "QLinearMul", "native:qmul", qmul_supported);
  add<QLookupKernel>(r, "com.microsoft", "QLinearSigmoid", "native:qlut", qlut_supported);
  add<QLookupKernel>(r, "com.microsoft", "QLinearLeakyRelu", "native:qlut", qlut_supported);
  KernelDef gap;
  gap.op_type = "QLinearGlobalAveragePool";
  gap.domain = "com.microsoft";
  gap.name = "native:qgap";
  gap.priority = native::kPriority;
  gap.supports = native::qgap_supported;
  gap.create = [] { return std::make_unique<native::QGlobalAveragePoolKernel>(); };
  gap.accepts_layouts = true;  // NCHW or NHWC, the layout the int8 convolutions leave
  // NHWC in (the int8 convolutions' layout; a Plain input is read as it is), Plain out.
  gap.preferred_layouts = [](const KernelSetup&) {
    LayoutChoice c;
    c.input = Layout::ChannelsLast;
    c.output = Layout::Plain;
    c.plain_input_ok = true;
    return std::optional<LayoutChoice>(c);
  };
  r.add_kernel(std::move(gap));
}

}  // namespace layerscope
