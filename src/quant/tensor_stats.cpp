#include "quant/tensor_stats.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace layerscope::quant {

void TensorStats::grow_to(double magnitude) {
  if (top_ == 0) {
    // The first non-zero magnitude sets the scale; later growth doubles it.
    top_ = magnitude * (1.0 + 1e-6);
    if (pos_.empty()) pos_.assign(kHistogramBins, 0);  // zeros seen so far stay in bin 0
    if (neg_.empty()) neg_.assign(kHistogramBins, 0);
    return;
  }
  while (magnitude >= top_) {
    // Doubling the top halves the resolution: bins 2k and 2k+1 become bin k, exactly.
    for (std::vector<uint64_t>* h : {&pos_, &neg_}) {
      for (int k = 0; k < kHistogramBins / 2; ++k) (*h)[k] = (*h)[2 * k] + (*h)[2 * k + 1];
      std::fill(h->begin() + kHistogramBins / 2, h->end(), 0);
    }
    top_ *= 2;
  }
}

void TensorStats::add(const float* data, int64_t n) {
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  int64_t finite = 0;
  for (int64_t i = 0; i < n; ++i) {
    const float x = data[i];
    if (!std::isfinite(x)) continue;
    lo = std::min<double>(lo, x);
    hi = std::max<double>(hi, x);
    ++finite;
  }
  nonfinite_ += static_cast<uint64_t>(n - finite);
  if (finite == 0) return;
  min_ = count_ ? std::min(min_, lo) : lo;
  max_ = count_ ? std::max(max_, hi) : hi;
  count_ += static_cast<uint64_t>(finite);
  if (!histograms_) return;
  const double magnitude = std::max(std::fabs(lo), std::fabs(hi));
  if (magnitude > 0 && magnitude >= top_) grow_to(magnitude);
  if (top_ == 0) {  // only zeros so far: they belong to bin 0 whatever the top becomes
    if (pos_.empty()) pos_.assign(kHistogramBins, 0);
    if (neg_.empty()) neg_.assign(kHistogramBins, 0);
    pos_[0] += static_cast<uint64_t>(finite);
    return;
  }
  const double per_bin = kHistogramBins / top_;
  for (int64_t i = 0; i < n; ++i) {
    const float x = data[i];
    if (!std::isfinite(x)) continue;
    const int b = std::min(kHistogramBins - 1, static_cast<int>(std::fabs(x) * per_bin));
    (x < 0 ? neg_ : pos_)[b] += 1;
  }
}

Range minmax_range(const TensorStats& s) { return {s.min(), s.max()}; }

namespace {

// The upper edge of the highest bin at which more than `allowed` values lie at or above it,
// walking down from the top: clipping there leaves at most `allowed` values outside.
double tail_edge(const std::vector<uint64_t>& bins, double width, double allowed) {
  double above = 0;
  for (int i = static_cast<int>(bins.size()) - 1; i >= 0; --i) {
    above += static_cast<double>(bins[i]);
    if (above > allowed) return (i + 1) * width;
  }
  return 0;
}

}  // namespace

Range percentile_range(const TensorStats& s, double percentile) {
  if (s.count() == 0 || s.top() == 0) return minmax_range(s);
  const double allowed = static_cast<double>(s.count()) * (100.0 - percentile) / 100.0;
  const double width = s.top() / kHistogramBins;
  const double hi = std::min(s.max(), tail_edge(s.positive_bins(), width, allowed));
  const double lo = std::max(s.min(), -tail_edge(s.negative_bins(), width, allowed));
  return {lo, hi};
}

int kl_threshold_bins(const std::vector<uint64_t>& bins, int target_bins) {
  const int n = static_cast<int>(bins.size());
  if (n <= target_bins) return n;
  double total = 0;
  for (uint64_t b : bins) total += static_cast<double>(b);
  if (total == 0) return n;
  std::vector<double> above(n + 1, 0);  // above[i] = mass of bins [i, n)
  for (int i = n - 1; i >= 0; --i) above[i] = above[i + 1] + static_cast<double>(bins[i]);

  int best = n;
  double best_kl = std::numeric_limits<double>::infinity();
  std::vector<double> p, q;
  for (int i = target_bins; i <= n; ++i) {
    p.assign(bins.begin(), bins.begin() + i);
    p[i - 1] += above[i];  // clipped values land in the last kept bin
    q.assign(i, 0);
    for (int g = 0; g < target_bins; ++g) {
      // Group g covers bins [start, end): the i kept bins split as evenly as integers allow.
      // Q is built from the histogram *without* the clipped mass, so clipping has a cost (with
      // it, i = target_bins would copy P exactly and always win).
      const int start = static_cast<int>(static_cast<int64_t>(g) * i / target_bins);
      const int end = static_cast<int>(static_cast<int64_t>(g + 1) * i / target_bins);
      double mass = 0;
      int nonzero = 0;
      for (int k = start; k < end; ++k) {
        mass += static_cast<double>(bins[k]);
        nonzero += p[k] > 0;
      }
      if (nonzero == 0) continue;
      for (int k = start; k < end; ++k)
        if (p[k] > 0) q[k] = mass / nonzero;
    }
    // KL(P||Q) = sum p log(p/q) over p > 0, each normalised to 1. Q is empty where P holds
    // only clipped mass: a tiny floor keeps the term finite and large.
    const double p_total = total;  // P keeps every value
    double q_total = 0;
    for (double v : q) q_total += v;
    if (q_total <= 0) continue;
    double kl = 0;
    for (int k = 0; k < i; ++k) {
      if (p[k] <= 0) continue;
      const double pk = p[k] / p_total, qk = std::max(q[k] / q_total, 1e-12);
      kl += pk * std::log(pk / qk);
    }
    if (kl < best_kl - 1e-12) {
      best_kl = kl;
      best = i;
    }
  }
  return best;
}

Range entropy_range(const TensorStats& s) {
  if (s.count() == 0 || s.top() == 0) return minmax_range(s);
  const double width = s.top() / kHistogramBins;
  if (s.min() >= 0) {
    // Never negative (e.g. after Relu): all 256 int8 levels cover [0, t].
    const int bins = kl_threshold_bins(s.positive_bins(), 256);
    return {0.0, std::min(s.max(), bins * width)};
  }
  // Signed: one threshold on |x|, 128 levels per side as in a symmetric int8 range.
  std::vector<uint64_t> magnitude(s.positive_bins());
  for (size_t k = 0; k < magnitude.size(); ++k) magnitude[k] += s.negative_bins()[k];
  const double t = kl_threshold_bins(magnitude, 128) * width;
  return {std::max(s.min(), -t), std::min(s.max(), t)};
}

}  // namespace layerscope::quant
