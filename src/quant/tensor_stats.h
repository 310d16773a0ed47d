// Per-tensor calibration statistics and the ranges the three calibration methods derive from
// them (docs/quantize.md):
//   minmax      (min, max) over every sample
//   percentile  the p-th percentile of the positive values and of the negative values'
//               magnitudes: at most (100 - p)% of the values are clipped at either end
//   entropy     the threshold t minimising the KL divergence between the |x| histogram clipped at t
//               and its quantized copy (TensorRT's calibration as published); (0, t) for a
//               tensor never negative, else (-t, t), each end limited to the observed min/max.
// Histograms are kept with a shared top that doubles (merging bin pairs, exactly) when a
// larger value arrives, so one pass over the samples suffices.
#pragma once
#include <cstdint>
#include <utility>
#include <vector>

namespace layerscope::quant {

// Bins of each histogram (TensorRT's and onnxruntime's entropy calibrators use 2048 too).
inline constexpr int kHistogramBins = 2048;

class TensorStats {
 public:
  explicit TensorStats(bool histograms = true) : histograms_(histograms) {}

  // Adds `n` values. Non-finite values are an error for the caller to report (see count_nonfinite()):
  // they are counted and skipped.
  void add(const float* data, int64_t n);

  double min() const { return min_; }
  double max() const { return max_; }
  uint64_t count() const { return count_; }
  uint64_t nonfinite() const { return nonfinite_; }
  bool has_histograms() const { return histograms_; }
  // Upper edge of the histograms (every |x| seen is below it); bin width = top / kHistogramBins.
  double top() const { return top_; }
  const std::vector<uint64_t>& positive_bins() const { return pos_; }  // x >= 0, by |x|
  const std::vector<uint64_t>& negative_bins() const { return neg_; }  // x < 0, by |x|

 private:
  void grow_to(double magnitude);

  bool histograms_;
  double min_ = 0, max_ = 0;
  uint64_t count_ = 0, nonfinite_ = 0;
  double top_ = 0;
  std::vector<uint64_t> pos_, neg_;
};

// The calibrated range [lo, hi] of a tensor.
using Range = std::pair<double, double>;

Range minmax_range(const TensorStats& s);
// `percentile` in (0, 100]; needs histograms.
Range percentile_range(const TensorStats& s, double percentile);
// Needs histograms.
Range entropy_range(const TensorStats& s);

// The KL-optimal clipping point of a histogram of magnitudes `bins` (bin i = [i, i+1) * width):
// the number of bins i in [target_bins, bins.size()] kept before clipping. Candidates keep
// bins [0, i) with the mass above added to the last kept bin (P); Q merges bins [0, i) (without
// the clipped mass) into `target_bins` equal groups and spreads each group's mass evenly over
// its bins where P is non-zero; the i with the least KL(P || Q) wins (the smallest on ties).
// All-zero: bins.size().
int kl_threshold_bins(const std::vector<uint64_t>& bins, int target_bins);

}  // namespace layerscope::quant
