// Rules about quantized models (a report with int8 layers or float <-> int8 conversions): int8
// work that did not run in int8, the time the conversions themselves take, and with an accuracy
// analysis attached (`perf --accuracy`) the layers that lose the most accuracy. The layers'
// value names (LayerProfile::input_names / output_names) give the dataflow between them.
#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>
#include <unordered_map>

#include "accuracy/metric_cells.h"
#include "accuracy/perf_join.h"
#include "analysis/findings_rules.h"
#include "kernels/cpu_features.h"
#include "layerscope/accuracy.h"
#include "layerscope/printable.h"
#include "profile/quantized_layers.h"

namespace layerscope::findings {

bool is_int8_layer(const LayerProfile& l) { return computes_in_int8(l.data_type) && !is_quant_conversion(l.op_type); }

namespace {

// Below this share of the layer sum, converting between float and int8 is the usual cost at a
// quantized model's edges (its float input and output, a few float-only ops); from it on the
// conversions cost as much as a real layer and the int8 regions are worth joining up.
constexpr double kQuantConversionSharePct = 5.0;

// How many layers a walk from a float layer to its DequantizeLinear or QuantizeLinear may cross:
// data movement (layout Reorders, reshapes) and activations the int8 layer would absorb (Relu,
// Clip: the quantizer keeps them before the QuantizeLinear) sit between them without changing
// what is quantized; a longer chain is no longer "the layer's" conversion.
constexpr int kMaxPassThrough = 8;

// Quantization noise against the signal, of a layer alone or of the outputs: below 20 dB SQNR the
// error is over a tenth of the tensor (relative L2 > 0.1), which classifiers and regressors rarely
// absorb; below 30 dB (over 3%) it is worth a look; above that quantization does what it should.
constexpr double kAccuracyHighSqnrDb = 20.0;
constexpr double kAccuracyMediumSqnrDb = 30.0;
// How many of the worst layers the accuracy finding names.
constexpr size_t kAccuracyWorstLayers = 3;

bool passes_through(const LayerProfile& l) {
  return is_data_movement(l.op_type) || is_absorbable_activation(l.op_type);
}

// Who writes and who reads each value, from the layers' value names, read inside each layer's
// scope (a Loop body's values are its own: LayerProfile::scope).
class Dataflow {
 public:
  explicit Dataflow(const PerfReport& r) : r_(r) {
    for (size_t i = 0; i < r.layers.size(); ++i) {
      const LayerProfile& l = r.layers[i];
      for (const std::string& v : l.output_names)
        if (!v.empty()) producer_.emplace(scoped_name(l.scope, v), i);
      for (const std::string& v : l.input_names)
        if (!v.empty()) consumers_[scoped_name(l.scope, v)].push_back(i);
    }
  }
  bool known() const { return !producer_.empty(); }

  const LayerProfile* producer(const std::string& scope, const std::string& value) const {
    auto it = producer_.find(scoped_name(scope, value));
    return it == producer_.end() ? nullptr : &r_.layers[it->second];
  }
  std::vector<const LayerProfile*> consumers(const std::string& scope, const std::string& value) const {
    std::vector<const LayerProfile*> out;
    auto it = consumers_.find(scoped_name(scope, value));
    if (it != consumers_.end())
      for (size_t i : it->second) out.push_back(&r_.layers[i]);
    return out;
  }

  // `l` reads a value that a layer of `op_type` wrote, directly or through passes_through layers.
  bool reads_from(const LayerProfile& l, const std::string& op_type) const {
    for (const std::string& input : l.input_names) {
      const LayerProfile* p = input.empty() ? nullptr : producer(l.scope, input);
      for (int hops = 0; p != nullptr && hops <= kMaxPassThrough; ++hops) {
        if (p->op_type == op_type) return true;
        if (!passes_through(*p) || p->input_names.empty() || p->input_names[0].empty()) break;
        p = producer(p->scope, p->input_names[0]);  // the data is its first input
      }
    }
    return false;
  }

  // A layer of `op_type` reads what `l` writes, directly or through passes_through layers.
  bool feeds(const LayerProfile& l, const std::string& op_type) const {
    std::vector<const LayerProfile*> frontier = {&l};
    for (int hops = 0; !frontier.empty() && hops <= kMaxPassThrough; ++hops) {
      std::vector<const LayerProfile*> next;
      for (const LayerProfile* f : frontier)
        for (const std::string& v : f->output_names)
          for (const LayerProfile* c : consumers(f->scope, v)) {
            if (c->op_type == op_type) return true;
            if (passes_through(*c)) next.push_back(c);
          }
      frontier = std::move(next);
    }
    return false;
  }

 private:
  const PerfReport& r_;
  std::unordered_map<std::string, size_t> producer_;
  std::unordered_map<std::string, std::vector<size_t>> consumers_;
};

bool is_quantized_model(const PerfReport& r) {
  for (const LayerProfile& l : r.layers)
    if (is_quant_conversion(l.op_type) || is_int8_layer(l)) return true;
  return false;
}

// "Conv x3, MatMul x1", op types in alphabetical order.
std::string types_of(const std::vector<const LayerProfile*>& layers) {
  std::map<std::string, int> n;
  for (const LayerProfile* l : layers) n[l->op_type]++;
  std::string out;
  for (const auto& [type, count] : n) out += (out.empty() ? "" : ", ") + fmt("%s x%d", type.c_str(), count);
  return out;
}

// The op types a conversion serves: what a QuantizeLinear quantizes (its producer), what a
// DequantizeLinear's float output goes to (its readers).
std::string served_by(const Dataflow& flow, const LayerProfile& l) {
  std::set<std::string> ops;
  if (l.op_type == "DequantizeLinear") {
    for (const std::string& v : l.output_names)
      for (const LayerProfile* c : flow.consumers(l.scope, v)) ops.insert(c->op_type);
  } else {
    for (const std::string& v : l.input_names)
      if (const LayerProfile* p = v.empty() ? nullptr : flow.producer(l.scope, v)) ops.insert(p->op_type);
  }
  if (ops.empty()) return l.op_type == "DequantizeLinear" ? ", to a model output" : ", from a model input";
  std::string out;
  for (const std::string& op : ops) out += (out.empty() ? "" : ", ") + op;
  return (l.op_type == "DequantizeLinear" ? ", to " : ", from ") + out;
}

}  // namespace

void rule_int8_fallback(const Context& ctx, std::vector<Finding>* out) {
  const PerfReport& r = ctx.report();
  if (!is_quantized_model(r)) return;
  const Dataflow flow(r);

  // Arithmetic in float with a DequantizeLinear before and a QuantizeLinear after: the model
  // meant it to be int8, and the int8 passes (passes/fuse_qdq.cpp) left it as it was.
  std::vector<const LayerProfile*> in_float;
  if (flow.known())
    for (const LayerProfile& l : r.layers)
      if (l.macs > 0 && !computes_in_int8(l.data_type) && !is_quant_conversion(l.op_type) &&
          flow.reads_from(l, "DequantizeLinear") && flow.feeds(l, "QuantizeLinear"))
        in_float.push_back(&l);
  if (!in_float.empty()) {
    const double share = ctx.share_pct(in_float);
    std::string title =
        fmt("%s of the quantized model ran in float between DequantizeLinear and QuantizeLinear: %.1f%% of the time "
            "(%s)",
            count_layers(in_float.size()).c_str(), share, types_of(in_float).c_str());
    // No measured int8 peak: the machine has no VNNI, so the int8 passes fused nothing
    // (kernels/cpu_features.h); the layers met every condition, the CPU did not.
    const bool no_int8_cpu = r.roofs.int8_macs_per_cycle_per_core <= 0;
    std::string detail =
        std::string(
            no_int8_cpu
                ? std::string(int8_dot_product_hidden()
                                  ? "LAYERSCOPE_NO_INT8_DOT hid this machine's int8 dot-product instruction (VNNI) "
                                    "from this run, which behaves as a CPU without it. "
                                  : "This machine has no int8 dot-product instruction (VNNI; its calibration measured "
                                    "no int8 peak). ") +
                      "Without "
                      "it, oneDNN's int8 kernels add products in saturating 16-bit pairs or halve the int8 weights, "
                      "which "
                      "changes the results, so layerscope fuses no int8 layers here: each of these layers dequantizes "
                      "its "
                      "input, computes in float (the model's arithmetic, exact up to float rounding) and quantizes its "
                      "output (a QOperator file's QLinearConv, QLinearMatMul, QGemm, ... are rewritten into that form, "
                      "passes/expand_qoperator.cpp). "
                      "On a CPU with AVX512-VNNI or AVX-VNNI the same model runs them in int8; profile it there for "
                      "its "
                      "int8 "
                      "speed."
                : "The int8 passes turn DequantizeLinear -> Conv/MatMul/Gemm/Add -> QuantizeLinear into one int8 layer "
                  "when "
                  "the scales and zero points are constants, activations are quantized per tensor, weights are int8 "
                  "per "
                  "tensor or per output channel and a bias is int32 with scale x_scale * w_scale (as quantizers write "
                  "them), and the float result feeds only the QuantizeLinear. These layers missed a condition (or the "
                  "run "
                  "had graph rewrites off, --no-optimize), so they dequantize, compute in float and quantize again: "
                  "float "
                  "speed plus two conversions. Re-quantize them with per-tensor activations, or keep them float on "
                  "purpose "
                  "(layerscope quantize --keep-float) so that no conversion pair surrounds them.") +
        evidence(ctx, in_float, [](const LayerProfile& l) { return ", DataType " + l.data_type + ", " + l.kernel; });
    out->push_back(make_finding(ctx, "int8_fallback", severity_for_share(share), title, detail, in_float));
  }

  std::vector<const LayerProfile*> on_ref;
  if (ctx.has_kernel_names())
    for (const LayerProfile& l : r.layers)
      if (is_int8_layer(l) && is_reference_kernel(l.kernel)) on_ref.push_back(&l);
  if (!on_ref.empty()) {
    const double share = ctx.share_pct(on_ref);
    std::string title =
        fmt("%s of the quantized model ran in int8 on the reference kernels ('ref'): %.1f%% of the "
            "time (%s)",
            count_layers(on_ref.size()).c_str(), share, types_of(on_ref).c_str());
    std::string detail =
        "No optimised int8 kernel accepts these layers: there is none for the op, or none for its parameters "
        "(scales or zero points known only at run time, per-channel activation scales, a type pair the oneDNN "
        "kernels lack), so the reference kernel ran: scalar loops, often slower than the same layer in float. "
        "Where the time matters, keep them in float (layerscope quantize --keep-float NODE) or quantize them "
        "per tensor with constant parameters." +
        evidence(ctx, on_ref);
    out->push_back(make_finding(ctx, "int8_fallback", severity_for_share(share), title, detail, on_ref));
  }
}

void rule_quant_conversions(const Context& ctx, std::vector<Finding>* out) {
  const PerfReport& r = ctx.report();
  std::vector<const LayerProfile*> layers;
  for (const LayerProfile& l : r.layers)
    if (is_quant_conversion(l.op_type)) layers.push_back(&l);
  const double share = ctx.share_pct(layers);
  if (layers.empty() || share < kQuantConversionSharePct) return;
  const Dataflow flow(r);
  std::string title =
      fmt("Converting between float and int8 takes %.1f%% of the time: %s", share, types_of(layers).c_str());
  std::string detail =
      "Each QuantizeLinear or DequantizeLinear is one pass over its tensor and no arithmetic the model needs. "
      "They are required where int8 data meets a layer that runs in float, and at the model's float input and "
      "output; between two int8 layers none is needed. Each line below names what its conversion serves: "
      "quantizing those float layers (or keeping a whole region in float) removes the conversion pairs around "
      "them." +
      evidence(ctx, layers, [&](const LayerProfile& l) { return flow.known() ? served_by(flow, l) : std::string(); });
  out->push_back(make_finding(ctx, "quant_conversions", severity_for_share(share), title, detail, layers));
}

namespace {

// The SQNR the ranking used: the layer alone, or accumulated when it has no single error.
const Metric& ranking_sqnr(const LayerAccuracy& l) { return l.has_single ? l.single.sqnr_db : l.entire.sqnr_db; }

std::string accuracy_line(const LayerAccuracy& l, double share_pct) {
  std::string line = "  [" + l.op_type + "] " + printable(l.node) + ": ";
  if (l.has_single)
    line += "single SQNR " + accuracy::metric_text(l.single.sqnr_db, "%.2f") + " dB, cosine " +
            accuracy::metric_text(l.single.cosine, "%.6f") + "; ";
  line += "entire SQNR " + accuracy::metric_text(l.entire.sqnr_db, "%.2f") + " dB";
  if (share_pct >= 0) line += fmt("; %.1f%% of the time", share_pct);
  return line;
}

}  // namespace

void rule_accuracy_loss(const Context& ctx, std::vector<Finding>* out) {
  const PerfReport& r = ctx.report();
  if (!r.accuracy) return;
  const AccuracyReport& a = *r.accuracy;
  std::vector<const LayerAccuracy*> worst;
  for (const LayerAccuracy& l : a.layers)
    if (ranking_sqnr(l).defined && std::isfinite(ranking_sqnr(l).value)) worst.push_back(&l);
  if (worst.empty()) return;
  std::stable_sort(worst.begin(), worst.end(), [](auto* x, auto* y) { return x->rank < y->rank; });
  if (worst.size() > kAccuracyWorstLayers) worst.resize(kAccuracyWorstLayers);

  const auto rows = accuracy::rows_by_node(r);
  std::vector<const LayerProfile*> cited;
  std::string lines;
  for (const LayerAccuracy* l : worst) {
    std::vector<const LayerProfile*> own;
    if (auto it = rows.find(l->node); it != rows.end())
      for (size_t i : it->second) own.push_back(&r.layers[i]);
    lines += "\n" + accuracy_line(*l, own.empty() ? -1 : ctx.share_pct(own));
    cited.insert(cited.end(), own.begin(), own.end());
  }
  std::sort(cited.begin(), cited.end());
  cited.erase(std::unique(cited.begin(), cited.end()), cited.end());

  // Severity from the lower of the worst layer's SQNR and the outputs': many layers that each lose
  // little can still add up to outputs that lose much.
  const double sqnr = ranking_sqnr(*worst[0]).value;
  double lowest_output_sqnr = std::numeric_limits<double>::infinity(), lowest_cosine = 2;
  for (const OutputAccuracy& o : a.outputs) {
    if (o.error.sqnr_db.defined) lowest_output_sqnr = std::min(lowest_output_sqnr, o.error.sqnr_db.value);
    if (o.error.cosine.defined) lowest_cosine = std::min(lowest_cosine, o.error.cosine.value);
  }
  const double at_stake = std::min(sqnr, lowest_output_sqnr);
  const std::string severity = at_stake < kAccuracyHighSqnrDb     ? "high"
                               : at_stake < kAccuracyMediumSqnrDb ? "medium"
                                                                  : "info";
  std::string title = fmt("Quantization costs the most accuracy in [%s] %s: %s SQNR %.2f dB", worst[0]->op_type.c_str(),
                          printable(worst[0]->node).c_str(), worst[0]->has_single ? "single" : "entire", sqnr);
  if (lowest_cosine <= 1) title += fmt("; output cosine %.6f", lowest_cosine);
  if (std::isfinite(lowest_output_sqnr)) title += fmt(", SQNR %.2f dB", lowest_output_sqnr);
  std::string detail =
      "From the accuracy analysis (" + (a.source.empty() ? std::string("layerscope accuracy") : printable(a.source)) +
      "): the layers ranked by the error each adds alone (lowest SQNR first), with their share of this profile's "
      "time:" +
      lines + "\n";
  if (a.has_sensitivity && !a.keep_float.empty())
    detail += fmt("Keeping %zu layer(s) in float gives output cosine %.6f: ", a.keep_float.size(),
                  a.keep_float_output_cosine) +
              a.quantize_command;
  else if (a.has_sensitivity && a.target_reached)
    detail +=
        fmt("The model already reaches the sensitivity target (output cosine %.6f >= %g): nothing needs to "
            "stay in float.",
            a.baseline_output_cosine, a.target_cosine);
  else if (a.has_sensitivity)
    detail += "The sensitivity analysis found no layer whose float version raises the output cosine.";
  else
    detail +=
        "`layerscope accuracy --sensitivity` measures which layers to keep in float (layerscope quantize "
        "--keep-float); a layer that loses much and takes little time costs little to keep.";
  out->push_back(make_finding(ctx, "accuracy_loss", severity, title, detail, cited));
}

}  // namespace layerscope::findings
