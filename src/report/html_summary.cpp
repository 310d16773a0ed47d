// report.html: the summary section (headline figures, model and run, machine roofs, latency
// statistics with the honest overhead lines, and the eval_memory figures).
#include <algorithm>
#include <string>

#include "report/html_parts.h"

namespace layerscope::html {

namespace {

std::string metric(const std::string& label, const std::string& value, const std::string& note) {
  return "<div class=\"metric\"><div class=\"metric-label\">" + escape(label) + "</div><div class=\"metric-value\">" +
         value + "</div><div class=\"metric-note\">" + note + "</div></div>\n";
}

std::string kv_row(const std::string& key, const std::string& value_html) {
  return "<tr><th scope=\"row\">" + escape(key) + "</th><td>" + value_html + "</td></tr>\n";
}

std::string stats_row(const std::string& label, const Stats& s) {
  return "<tr><th scope=\"row\">" + escape(label) + "</th><td class=\"num\">" + fmt("%.3f", s.median) +
         "</td><td class=\"num\">" + fmt("%.3f", s.min) + "</td><td class=\"num\">" + fmt("%.3f", s.p90) +
         "</td><td class=\"num\">" + fmt("%.3f", s.max) + "</td><td class=\"num\">" + fmt("%.3f", s.mean) +
         "</td><td class=\"num\">" + std::to_string(s.count) + "</td></tr>\n";
}

std::string headline_cards(const PerfReport& r) {
  std::string out = "<div class=\"metrics\">\n";
  if (r.latency_ms.count > 0)
    out += metric("End-to-end latency", fmt("%.3f ms", r.latency_ms.median),
                  "median of " + std::to_string(r.latency_ms.count) + " runs, profiler off");
  else out += metric("Layer time", micros(r.layer_sum_us) + " &micro;s", "sum of the layers' times");
  out += metric("Layers", std::to_string(r.layers.size()),
                std::to_string(r.ranking.size()) + " op types, " + std::to_string(r.threads) + " thread(s)");
  if (!r.ranking.empty()) {
    const OpTypeRank& top = r.ranking.front();
    out += metric("Most time",
                  "<span class=\"op-chip\" data-op=\"" + escape(top.op_type) + "\">" + escape(top.op_type) + "</span>",
                  fmt("%.1f%% of the layer time, ", top.ratio_pct) + std::to_string(top.calls) + " call(s) per run");
  }
  out += metric("Activation memory", escape(bytes_text(r.memory.internal_bytes)), "planned arena peak, incl. scratch");
  out += metric("Total memory", escape(bytes_text(r.memory.total_bytes)), "weights + activations + inputs/outputs");
  return out + "</div>\n";
}

std::string model_panel(const PerfReport& r) {
  std::string out = "<div class=\"panel\"><h3>Model and run</h3><table class=\"kv\">\n";
  out += kv_row("Model", r.model_path.empty() ? "<span class=\"muted\">not named by the imported report</span>"
                                              : "<code>" + escape(r.model_path) + "</code>");
  out += kv_row("Model file", escape(bytes_text(r.memory.model_file_bytes)));
  if (!r.imported_from.empty()) {
    out += kv_row("Imported from", escape(r.imported_from));
    out += kv_row("Time per layer", "as reported by the imported run");
    return out + "</table></div>\n";
  }
  out += kv_row("Threads", std::to_string(r.threads));
  out += kv_row("Runs", std::to_string(r.runs) + " timed after " + std::to_string(r.warmup) +
                            " warm-up, each with and without the profiler, interleaved");
  out += kv_row("Time per layer", "median over the profiled runs");
  return out + "</table></div>\n";
}

std::string machine_panel(const PerfReport& r) {
  const Roofs& roofs = r.roofs;
  std::string out = "<div class=\"panel\"><h3>Machine</h3><table class=\"kv\">\n";
  out += kv_row("CPU", roofs.cpu_model.empty() ? "<span class=\"muted\">unknown</span>" : escape(roofs.cpu_model));
  if (!roofs.measured) {
    out += kv_row("Roofs",
                  "<span class=\"muted\">not measured: cycles, MacUsage and the roofline roofs are "
                  "unavailable (<code>layerscope machine</code> calibrates them)</span>");
    return out + "</table></div>\n";
  }
  // The derived figures assume min(threads, cores) cores in use (docs/report-schema.md).
  const int in_use = roofs.cores > 0 ? std::min(std::max(r.threads, 1), roofs.cores) : std::max(r.threads, 1);
  const double peak_gflops = 2.0 * roofs.macs_per_cycle_per_core * roofs.clock_ghz * in_use;
  out += kv_row("Cores", std::to_string(in_use) + " in use of " + std::to_string(roofs.cores));
  out += kv_row("Clock", fmt("%.2f GHz", roofs.clock_ghz) + " <span class=\"muted\">measured</span>");
  out += kv_row("Peak compute", fmt("%.1f fp32 MACs/cycle/core", roofs.macs_per_cycle_per_core) +
                                    " <span class=\"muted\">measured</span> &middot; " +
                                    fmt("%.1f GFLOP/s on %d core(s)", peak_gflops, in_use));
  if (roofs.int8_macs_per_cycle_per_core > 0)  // the roof of the INT8/UINT8 layers (profile/roofline.h)
    out += kv_row("Peak compute, int8",
                  fmt("%.1f int8 MACs/cycle/core", roofs.int8_macs_per_cycle_per_core) +
                      " <span class=\"muted\">measured (VNNI)</span> &middot; " +
                      fmt("%.1f GOP/s on %d core(s)",
                          2.0 * roofs.int8_macs_per_cycle_per_core * roofs.clock_ghz * in_use, in_use));
  out += kv_row("Memory bandwidth", fmt("%.1f GB/s (1 core) / %.1f GB/s (all cores)", roofs.bandwidth_gbs_one_core,
                                        roofs.bandwidth_gbs_all_cores) +
                                        " <span class=\"muted\">measured</span>");
  return out + "</table></div>\n";
}

std::string latency_panel(const PerfReport& r) {
  std::string out = "<div class=\"panel\"><h3>End-to-end latency (ms)</h3>\n";
  if (r.latency_ms.count == 0)  // e.g. a report imported from another tool: per-layer times only
    return out +
           "<p class=\"muted\">No end-to-end runs in this report: the profiling overhead and the layer sum / "
           "end-to-end ratio are unknown. Layer sum: " +
           micros(r.layer_sum_us) + " &micro;s.</p></div>\n";
  out += "<table class=\"stats\">\n";
  out +=
      "<thead><tr><th></th><th class=\"num\">median</th><th class=\"num\">min</th><th class=\"num\">p90</th>"
      "<th class=\"num\">max</th><th class=\"num\">mean</th><th class=\"num\">runs</th></tr></thead>\n<tbody>\n";
  out += stats_row("profiler off", r.latency_ms);
  out += stats_row("profiler on", r.profiled_latency_ms);
  out += "</tbody></table>\n";
  out += "<p class=\"honesty\" id=\"overhead\">Profiling overhead: <strong>" + fmt("%+.1f%%", r.overhead_pct) +
         "</strong> <span class=\"muted\">(median with the profiler / without, minus 1)</span></p>\n";
  out += "<p class=\"honesty\" id=\"layer-sum\">Layer sum / end-to-end: <strong>" +
         fmt("%.1f%%", r.layer_sum_ratio_pct) + "</strong> <span class=\"muted\">(" + micros(r.layer_sum_us) +
         " &micro;s summed over the layers' medians; the rest is spent between layers)</span></p>\n";
  return out + "</div>\n";
}

std::string memory_panel(const MemoryReport& m) {
  std::string out = "<div class=\"panel\"><h3>Memory</h3><table class=\"kv\">\n";
  out += kv_row("Weight memory", escape(bytes_text(m.weight_bytes)) +
                                     " <span class=\"muted\">constants as held, incl. prepacked copies</span>");
  out += kv_row("Internal tensor memory", escape(bytes_text(m.internal_bytes)) +
                                              " <span class=\"muted\">activation arena peak, as planned</span>");
  out += kv_row("Other memory", escape(bytes_text(m.other_bytes)) + " <span class=\"muted\">inputs and outputs</span>");
  out += kv_row("Total memory", "<strong>" + escape(bytes_text(m.total_bytes)) + "</strong>");
  if (m.naive_activation_bytes > 0)
    out += kv_row("Activation reuse", escape(bytes_text(m.internal_bytes)) + " planned vs " +
                                          escape(bytes_text(m.naive_activation_bytes)) +
                                          " if every intermediate tensor had its own buffer" +
                                          fmt(" (%.1f%%)", 100.0 * static_cast<double>(m.internal_bytes) /
                                                               static_cast<double>(m.naive_activation_bytes)));
  return out + "</table></div>\n";
}

}  // namespace

std::string summary_section(const PerfReport& r) {
  std::string out = "<section id=\"summary\">\n<h2>Summary</h2>\n";
  out += headline_cards(r);
  out += "<div class=\"panels\">\n" + model_panel(r) + machine_panel(r) + latency_panel(r) + memory_panel(r.memory) +
         "</div>\n";
  return out + "</section>\n";
}

}  // namespace layerscope::html
