// The rules behind find_findings(), and what they share: the time base every share is quoted
// against, severity from the time at stake, and a short evidence list of the main layers.
#pragma once
#include <map>
#include <set>
#include <string>
#include <vector>

#include "layerscope/findings.h"
#include "profile/quantized_layers.h"  // computes_in_int8, is_quant_conversion
#include "util/text.h"                 // fmt

namespace layerscope::findings {

// Severity follows the time at stake: a finding about a fifth of the run decides the latency;
// one about 5% is worth a look; below that it is context.
constexpr double kHighSharePct = 20.0;
constexpr double kMediumSharePct = 5.0;

// A layer is "time-relevant" from 1% of the layer sum: below that, even a 10x improvement of
// the layer gains under 1%, so imbalance or distance to the roof there is not worth reporting.
constexpr double kTimeRelevantSharePct = 1.0;

// How many cited layers a finding's detail describes one by one (all ids stay in layer_ids).
constexpr size_t kDetailLayers = 5;

class Context {
 public:
  explicit Context(const PerfReport& report);

  const PerfReport& report() const { return report_; }
  // The time base: the report's layer sum, or the sum of the top-level layers' medians when it is 0.
  double layer_sum_us() const { return layer_sum_us_; }
  double share_pct(const LayerProfile& l) const;
  // Of several layers together: a body row cited with a layer enclosing it (a Loop and its body's
  // layers) counts once, inside that layer's time.
  double share_pct(const std::vector<const LayerProfile*>& layers) const;
  bool has_kernel_names() const { return has_kernel_names_; }
  // Cycles are known: measured roofs (ours) or the board's cycle counters (imported).
  bool has_cycles() const { return has_cycles_; }
  // Roofline time of a layer in microseconds (total cycles at the clock), 0 when unknown.
  double roof_time_us(const LayerProfile& l) const;
  // Workers (threads or cores) that did work in any layer. A run restricted to some cores (the
  // reference's core mask, --threads 1) leaves the others idle by choice, not by inefficiency.
  size_t active_workers() const { return active_count_; }
  bool worker_active(size_t t) const { return t < active_.size() && active_[t]; }

 private:
  bool has_cited_ancestor(const LayerProfile& l, const std::set<int>& cited) const;

  const PerfReport& report_;
  std::map<int, int> parent_of_;  // body rows' ids -> their control layer's (LayerProfile::parent)
  double layer_sum_us_ = 0;
  bool has_kernel_names_ = false;
  bool has_cycles_ = false;
  std::vector<bool> active_;
  size_t active_count_ = 0;
};

std::string severity_for_share(double share_pct);
// Severity for a finding about a possible, not certain, loss: never above "medium".
std::string capped_severity(double share_pct);

// A finding citing `layers` (in execution order), with time_share_pct filled in.
Finding make_finding(const Context& ctx, std::string kind, std::string severity, std::string title, std::string detail,
                     std::vector<const LayerProfile*> layers);

// "#12 Conv 3867 us (12.0%)" lines for the largest `kDetailLayers` of `layers`, each followed by
// `extra(layer)` when given.
template <typename F>
std::string evidence(const Context& ctx, std::vector<const LayerProfile*> layers, F extra);
std::string evidence(const Context& ctx, std::vector<const LayerProfile*> layers);

// "1 layer" / "3 layers"
std::string count_layers(size_t n);
// Mean of the MacUsage values of the active workers (all of them when none is known to be
// active): the share of the in-use arithmetic units the layer kept busy; -1 when it has none.
double mean_mac_usage(const Context& ctx, const LayerProfile& l);

// Kernel names of the reference implementations ("ref", "ref(dynamic)", oneDNN's "ref").
bool is_reference_kernel(const std::string& kernel);
// Op types that only move data (OpDef::data_movement, and the reference tool's own names).
bool is_data_movement(const std::string& op_type);
// An activation a convolution or matmul can absorb (OpDef::activation: Relu, Clip, ...).
bool is_absorbable_activation(const std::string& op_type);
// A layer that computes in int8 (DataType INT8/UINT8, profile/roofline.h) other than the
// conversions QuantizeLinear/DequantizeLinear: an int8 convolution, matmul, add, pooling...
bool is_int8_layer(const LayerProfile& l);

void rule_fallback_kernels(const Context& ctx, std::vector<Finding>* out);
void rule_target_fallback(const Context& ctx, std::vector<Finding>* out);
void rule_generic_kernels(const Context& ctx, std::vector<Finding>* out);
void rule_data_movement(const Context& ctx, std::vector<Finding>* out);
void rule_bound(const Context& ctx, std::vector<Finding>* out);
void rule_far_from_roof(const Context& ctx, std::vector<Finding>* out);
void rule_low_mac_usage(const Context& ctx, std::vector<Finding>* out);
void rule_workload_imbalance(const Context& ctx, std::vector<Finding>* out);
void rule_measurement(const Context& ctx, std::vector<Finding>* out);
void rule_int8_fallback(const Context& ctx, std::vector<Finding>* out);
void rule_quant_conversions(const Context& ctx, std::vector<Finding>* out);
void rule_accuracy_loss(const Context& ctx, std::vector<Finding>* out);

// ---- template definition ----

std::string evidence_line(const Context& ctx, const LayerProfile& l);
std::vector<const LayerProfile*> largest_first(std::vector<const LayerProfile*> layers);

template <typename F>
std::string evidence(const Context& ctx, std::vector<const LayerProfile*> layers, F extra) {
  std::vector<const LayerProfile*> top = largest_first(std::move(layers));
  std::string out;
  for (size_t i = 0; i < top.size() && i < kDetailLayers; ++i) {
    out += '\n';  // appended piecewise: GCC 12 warns falsely (-Wrestrict) on "\n" + std::string
    out += evidence_line(ctx, *top[i]);
    out += extra(*top[i]);
  }
  if (top.size() > kDetailLayers) out += fmt("\n  ... and %zu more", top.size() - kDetailLayers);
  return out;
}

}  // namespace layerscope::findings
