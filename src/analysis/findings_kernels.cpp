// Rules about what ran a layer: the slow fallback path (our reference kernels, or the CPU when
// the rest of the model runs on an accelerator), generic implementations, and layers that only
// move data.
#include <algorithm>
#include <map>
#include <set>

#include "analysis/findings_rules.h"
#include "profile/quantized_layers.h"
#include "registry/registry.h"

namespace layerscope::findings {

// Our reference kernels ("ref"; "ref(dynamic)" for shapes known only at run time) are the
// correctness oracle: plain scalar loops (a few split their outer loop across threads), typically
// 10-100x slower than an optimised kernel. oneDNN's own "ref" implementations are the same kind
// of code (the runtime refuses them today, but a report from another build or version may carry
// them).
bool is_reference_kernel(const std::string& k) {
  return k == "ref" || k.rfind("ref(", 0) == 0 || k.rfind("onednn:ref", 0) == 0;
}

// oneDNN's gemm-based convolution (im2col + GEMM) is its generic path, taken when no direct JIT
// convolution accepts the layout or shape. It runs near peak for 1x1 and wide convolutions but
// spends most of its time copying patches for depthwise/grouped or narrow ones.
bool is_generic_kernel(const LayerProfile& l) {
  return l.kernel.rfind("onednn:", 0) == 0 && l.kernel.find("gemm") != std::string::npos &&
         l.op_type.find("Conv") != std::string::npos;
}

// Layers that only copy, reorder or reindex data: no arithmetic, so all their time is memory
// traffic that a different layout or a fusion into the neighbouring layer could avoid. Our
// ops say so themselves (OpDef::data_movement); the reference tool also names such layers
// with words that are no ONNX op type (its reports can be imported).
bool is_data_movement(const std::string& op_type) {
  static const std::set<std::string> ops = [] {
    std::set<std::string> s = {"Copy", "Permute"};  // the reference tool's own layer names
    for (const OpDef* d : Registry::builtin().all_ops())
      if (d->data_movement) s.insert(d->op_type);
    return s;
  }();
  return ops.count(op_type) > 0;
}

bool is_absorbable_activation(const std::string& op_type) {
  static const std::set<std::string> ops = [] {
    std::set<std::string> s;
    for (const OpDef* d : Registry::builtin().all_ops())
      if (d->activation) s.insert(d->op_type);
    return s;
  }();
  return ops.count(op_type) > 0;
}

namespace {

// The reference tool's I/O pseudo-layers always run on the CPU; they are not fallbacks.
bool is_io_operator(const LayerProfile& l) { return l.op_type == "InputOperator" || l.op_type == "OutputOperator"; }

// "Resize x6, Transpose x12, ..." by time, at most four op types.
std::string op_type_summary(const std::vector<const LayerProfile*>& layers) {
  std::map<std::string, std::pair<int, double>> by_type;
  for (const LayerProfile* l : layers) {
    auto& e = by_type[l->op_type];
    e.first++;
    e.second += l->time_us.median;
  }
  std::vector<std::pair<std::string, std::pair<int, double>>> v(by_type.begin(), by_type.end());
  std::stable_sort(v.begin(), v.end(), [](const auto& a, const auto& b) { return a.second.second > b.second.second; });
  std::string out;
  for (size_t i = 0; i < v.size() && i < 4; ++i)
    out += (i ? ", " : "") + fmt("%s x%d", v[i].first.c_str(), v[i].second.first);
  if (v.size() > 4) out += ", ...";
  return out;
}

std::vector<const LayerProfile*> select(const PerfReport& r, bool (*pred)(const LayerProfile&)) {
  std::vector<const LayerProfile*> out;
  for (const LayerProfile& l : r.layers)
    if (pred(l)) out.push_back(&l);
  return out;
}

}  // namespace

void rule_fallback_kernels(const Context& ctx, std::vector<Finding>* out) {
  if (!ctx.has_kernel_names()) return;  // imported reports: see rule_target_fallback
  // int8 layers on reference kernels are rule_int8_fallback's (findings_quant.cpp): counted once.
  auto layers =
      select(ctx.report(), [](const LayerProfile& l) { return is_reference_kernel(l.kernel) && !is_int8_layer(l); });
  if (layers.empty()) return;
  const double share = ctx.share_pct(layers);
  std::string title = fmt("%s ran on the reference fallback kernel ('ref'): %.1f%% of the time (%s)",
                          count_layers(layers.size()).c_str(), share, op_type_summary(layers).c_str());
  std::string detail =
      "No optimised kernel supports these layers (op, data type or shape), so the op's reference "
      "implementation ran: scalar loops on one thread, kept as the correctness oracle. An optimised "
      "kernel for them, or rewriting the model to avoid them, removes most of this time." +
      evidence(ctx, layers);
  out->push_back(make_finding(ctx, "fallback_kernels", severity_for_share(share), title, detail, layers));
}

void rule_target_fallback(const Context& ctx, std::vector<Finding>* out) {
  const PerfReport& r = ctx.report();
  std::string accelerator;
  for (const LayerProfile& l : r.layers)
    if (l.target == "NPU" || l.target == "GPU") accelerator = l.target;
  if (accelerator.empty()) return;  // everything ran on the CPU by design: no fallback to see
  auto layers = select(r, [](const LayerProfile& l) { return l.target == "CPU" && !is_io_operator(l); });
  if (layers.empty()) return;
  const double share = ctx.share_pct(layers);
  std::string title =
      fmt("%s fell back from the %s to the CPU: %.1f%% of the time (%s)", count_layers(layers.size()).c_str(),
          accelerator.c_str(), share, op_type_summary(layers).c_str());
  std::string detail = "The " + accelerator +
                       " does not support these layers as converted (op, shape, layout or data type), so "
                       "they ran on the CPU, with the data copied between the units around them. Changing "
                       "the model so the converter keeps them on the " +
                       accelerator + " (other op, shape or axis) usually gives the largest gain." +
                       evidence(ctx, layers);
  out->push_back(make_finding(ctx, "fallback_kernels", severity_for_share(share), title, detail, layers));
}

void rule_generic_kernels(const Context& ctx, std::vector<Finding>* out) {
  if (!ctx.has_kernel_names()) return;
  auto layers = select(ctx.report(), is_generic_kernel);
  if (layers.empty()) return;
  const double share = ctx.share_pct(layers);
  std::string title = fmt("%s ran on oneDNN's generic gemm-based convolution (im2col + GEMM): %.1f%% of the time",
                          count_layers(layers.size()).c_str(), share);
  std::string detail =
      "oneDNN takes this path when no direct JIT convolution accepts the layout or shape. It is close to "
      "peak for 1x1 and wide convolutions but slow for depthwise/grouped or narrow ones, which spend their "
      "time copying patches: check MacUsage below (a low value marks the slow cases)." +
      evidence(ctx, layers, [&](const LayerProfile& l) {
        double u = mean_mac_usage(ctx, l);
        return u < 0 ? std::string() : fmt(", MacUsage %.1f%%", u);
      });
  out->push_back(make_finding(ctx, "generic_kernels", capped_severity(share), title, detail, layers));
}

// Below this share, layout copies are the usual cost of running a network and not worth a
// rewrite; above it they cost as much as a real layer.
constexpr double kDataMovementSharePct = 5.0;

void rule_data_movement(const Context& ctx, std::vector<Finding>* out) {
  auto layers = select(ctx.report(), [](const LayerProfile& l) { return is_data_movement(l.op_type); });
  const double share = ctx.share_pct(layers);
  if (layers.empty() || share < kDataMovementSharePct) return;
  std::string title = fmt("Pure data movement takes %.1f%% of the time: %s (%s)", share,
                          count_layers(layers.size()).c_str(), op_type_summary(layers).c_str());
  std::string detail =
      "These layers do no arithmetic: they copy, reorder or reindex tensors, so all their time is memory "
      "traffic. Export the model in the layout its consumers want, fold Reshape/Transpose chains, or let "
      "the neighbouring layer read the data in place." +
      evidence(ctx, layers);
  out->push_back(make_finding(ctx, "data_movement", severity_for_share(share), title, detail, layers));
}

}  // namespace layerscope::findings
