// The error metrics of a quantized tensor against its float counterpart, per sample, and their
// aggregation over samples (mean where defined, worst kept, the reason when undefined).
#pragma once
#include <cstdint>
#include <map>
#include <string>

#include "layerscope/accuracy.h"
#include "layerscope/tensor.h"

namespace layerscope::accuracy {

// Sums over one sample's elements, in double: ||f||^2, ||q||^2, <q, f>, ||q - f||^2, max |q - f|.
struct ErrorSums {
  int64_t n = 0;
  double ff = 0, qq = 0, qf = 0, ee = 0, max_abs = 0;
  int64_t nonfinite = 0;       // elements where f or q is NaN or infinite
  bool float_constant = true;  // every float element equal
  float first = 0;
};

// Both tensors FLOAT with the same element count (the caller checks the shapes).
ErrorSums error_sums(const float* f, const float* q, int64_t n);

// Aggregates the metrics of several samples.
class ErrorAccumulator {
 public:
  void add(const ErrorSums& s);
  TensorError result() const;
  int samples() const { return samples_; }

 private:
  struct One {
    double sum = 0, worst = 0;
    int defined = 0, infinite = 0;
    std::map<std::string, int> reasons;  // why undefined -> in how many samples
  };
  // `higher_is_better`: cosine and SQNR (worst = lowest); errors: worst = highest.
  static void put(One& m, bool defined, double v, const std::string& reason, bool higher_is_better);
  static Metric finish(const One& m, int samples, const std::string& infinite_note);
  One cosine_, rel_l2_, max_abs_, sqnr_;
  int samples_ = 0;
  int constant_samples_ = 0;  // samples whose float tensor is constant and not zero
};

// The lowest cosine among a sample's outputs, for the sensitivity measure: NaN-free (an output
// whose cosine is undefined counts as 1 when q equals f, else 0).
double cosine_or_fallback(const ErrorSums& s);

}  // namespace layerscope::accuracy
