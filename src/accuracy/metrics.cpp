#include "accuracy/metrics.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "util/text.h"

namespace layerscope::accuracy {

namespace {
constexpr double kNan = std::numeric_limits<double>::quiet_NaN();
}

ErrorSums error_sums(const float* f, const float* q, int64_t n) {
  ErrorSums s;
  s.n = n;
  if (n > 0) s.first = f[0];
  for (int64_t i = 0; i < n; ++i) {
    const double a = f[i], b = q[i];
    if (!std::isfinite(a) || !std::isfinite(b)) {
      ++s.nonfinite;
      continue;
    }
    const double d = b - a;
    s.ff += a * a;
    s.qq += b * b;
    s.qf += a * b;
    s.ee += d * d;
    s.max_abs = std::max(s.max_abs, std::fabs(d));
    if (f[i] != s.first) s.float_constant = false;
  }
  return s;
}

void ErrorAccumulator::put(One& m, bool defined, double v, const std::string& reason, bool higher_is_better) {
  if (!defined) {
    ++m.reasons[reason];
    return;
  }
  if (std::isinf(v)) {  // SQNR of identical tensors: kept out of the mean, said in the note
    ++m.infinite;
    return;
  }
  m.sum += v;
  const bool first = m.defined == 0;
  ++m.defined;
  if (first || (higher_is_better ? v < m.worst : v > m.worst)) m.worst = v;
}

void ErrorAccumulator::add(const ErrorSums& s) {
  ++samples_;
  if (s.n == 0 || s.nonfinite > 0) {
    const std::string why = s.n == 0 ? "empty tensor"
                                     : fmt("%lld element(s) NaN or infinite in the float or quantized tensor",
                                           static_cast<long long>(s.nonfinite));
    put(cosine_, false, 0, why, true);
    put(rel_l2_, false, 0, why, false);
    put(max_abs_, false, 0, why, false);
    put(sqnr_, false, 0, why, true);
    return;
  }
  // cosine = <q, f> / (||q|| ||f||): undefined when either vector is zero (no direction).
  const bool f_zero = s.ff == 0, q_zero = s.qq == 0;
  if (f_zero || q_zero) {
    const std::string why = f_zero && q_zero ? "cosine undefined: the float and the quantized tensor are both all zero"
                            : f_zero         ? "cosine undefined: the float tensor is all zero"
                                             : "cosine undefined: the quantized tensor is all zero";
    put(cosine_, false, 0, why, true);
  } else {
    put(cosine_, true, std::clamp(s.qf / std::sqrt(s.ff * s.qq), -1.0, 1.0), "", true);
  }
  // rel_l2 = ||q - f|| / ||f||; SQNR = 10 log10(||f||^2 / ||q - f||^2).
  if (f_zero && s.ee > 0) {
    put(rel_l2_, false, 0, "relative error undefined: the float tensor is all zero (max abs error gives the size)",
        false);
    put(sqnr_, false, 0, "SQNR undefined: the float tensor is all zero (no signal)", true);
  } else if (s.ee == 0) {
    put(rel_l2_, true, 0, "", false);
    put(sqnr_, true, std::numeric_limits<double>::infinity(), "", true);
  } else {
    put(rel_l2_, true, std::sqrt(s.ee / s.ff), "", false);
    put(sqnr_, true, 10 * std::log10(s.ff / s.ee), "", true);
  }
  put(max_abs_, true, s.max_abs, "", false);
  if (s.float_constant && !f_zero) ++constant_samples_;
}

Metric ErrorAccumulator::finish(const One& m, int samples, const std::string& infinite_note) {
  Metric r;
  r.samples = m.defined + m.infinite;
  std::string note;
  for (const auto& [why, count] : m.reasons)
    note += (note.empty() ? "" : "; ") + why + (samples > 1 ? fmt(" (%d of %d samples)", count, samples) : "");
  if (m.infinite > 0)
    note += (note.empty() ? "" : "; ") + infinite_note +
            (samples > 1 ? fmt(" (%d of %d samples; left out of the mean)", m.infinite, samples) : "");
  r.note = note;
  if (m.defined > 0) {
    r.defined = true;
    r.value = m.sum / m.defined;
    r.worst = m.worst;
  } else if (m.infinite > 0) {
    r.defined = true;
    r.value = r.worst = std::numeric_limits<double>::infinity();
  } else {
    r.value = r.worst = kNan;
  }
  return r;
}

TensorError ErrorAccumulator::result() const {
  const std::string identical = "SQNR infinite: the quantized tensor equals the float tensor exactly";
  TensorError e{finish(cosine_, samples_, ""), finish(rel_l2_, samples_, ""), finish(max_abs_, samples_, ""),
                finish(sqnr_, samples_, identical)};
  if (constant_samples_ > 0 && e.cosine.defined) {
    const std::string c = "the float tensor is constant" +
                          (samples_ > 1 ? fmt(" in %d of %d samples", constant_samples_, samples_) : std::string()) +
                          ": cosine only compares directions, read the relative error";
    e.cosine.note += (e.cosine.note.empty() ? "" : "; ") + c;
  }
  return e;
}

double cosine_or_fallback(const ErrorSums& s) {
  if (s.n == 0) return 1;
  if (s.nonfinite > 0) return 0;
  if (s.ff == 0 || s.qq == 0) return s.ee == 0 ? 1 : 0;
  return std::clamp(s.qf / std::sqrt(s.ff * s.qq), -1.0, 1.0);
}

}  // namespace layerscope::accuracy
