// report.html: the Network Layer Information Table and the Operator Time Consuming Ranking
// Table, as plain HTML. Sortable cells carry their raw number in data-v (the page script sorts
// on it, so "1,161" and "\" sort correctly); an empty data-v means unknown and sorts last.
#include <algorithm>
#include <string>

#include "profile/layer_nesting.h"
#include "report/html_parts.h"

namespace layerscope::html {

namespace {

std::string text_td(const std::string& text, const char* cls = nullptr) {
  std::string out = "<td";
  if (cls) out += std::string(" class=\"") + cls + "\"";
  return out + " title=\"" + escape(text) + "\">" + escape(text) + "</td>";
}

double mean_of(const std::vector<double>& values) {
  double sum = 0;
  for (double v : values) sum += v;
  return values.empty() ? 0 : sum / static_cast<double>(values.size());
}

std::string layer_row(const LayerProfile& l, size_t depth, const PerfReport& r) {
  // Cycles are known from measured roofs, or from the board's counters in an imported report.
  const bool cycles = r.roofs.measured || !r.imported_from.empty();
  const double share = r.layer_sum_us > 0 ? 100.0 * l.time_us.median / r.layer_sum_us : 0;
  std::vector<double> workload_pct;
  double max_share = 0;
  for (double w : l.workload) {
    workload_pct.push_back(100.0 * w);
    max_share = std::max(max_share, w);
  }
  const int64_t rw = l.bytes_read + l.bytes_written;
  std::string row = "<tr id=\"layer-" + std::to_string(l.id) + "\" data-op=\"" + escape(l.op_type) + "\"";
  // A body row (a layer of an If branch or a Loop body) sits under its control layer's row,
  // indented by its depth (report.css: tr.body-row).
  if (l.parent != 0)
    row += " class=\"body-row\" data-parent=\"" + std::to_string(l.parent) +
           "\" style=\"--depth:" + std::to_string(depth) + "\"";
  row += ">";
  row += num_td(std::to_string(l.id), std::to_string(l.id));
  row += "<td class=\"op\" data-v=\"" + escape(l.op_type) + "\">" + op_chip(l.op_type) + "</td>";
  row += text_td(l.data_type);
  row += text_td(l.target);
  row += text_td(shapes_text(l.input_shapes), "shape");
  row += text_td(shapes_text(l.output_shapes), "shape");
  row += cycles ? num_td(fmt("%.0f/%.0f/%.0f", l.mem_cycles, l.compute_cycles, l.total_cycles),
                         fmt("%.17g", l.total_cycles), "sorted by Total")
                : num_td("\\", "");
  row +=
      num_td(micros(l.time_us.median), fmt("%.17g", l.time_us.median),
             "median " + micros(l.time_us.median) + " us; min " + micros(l.time_us.min) + ", p90 " +
                 micros(l.time_us.p90) + ", max " + micros(l.time_us.max) + " over " + std::to_string(l.time_us.count) +
                 " runs" + (l.parent != 0 ? "; per run, summed over its " + calls_text(l.calls) : std::string()));
  row += num_td(fmt("%.2f", share), fmt("%.17g", share));
  row += l.mac_usage_pct.empty() ? num_td("\\", "")
                                 : num_td(per_thread_text(l.mac_usage_pct, "%.2f"),
                                          fmt("%.17g", mean_of(l.mac_usage_pct)), "sorted by the mean over threads");
  row += num_td(per_thread_text(workload_pct, "%.1f%%"), l.workload.empty() ? "" : fmt("%.17g", 100.0 * max_share),
                "sorted by the busiest thread's share");
  row += num_td(fmt("%.0f", static_cast<double>(rw) / 1024.0), std::to_string(rw),
                std::to_string(l.bytes_read) + " B read, " + std::to_string(l.bytes_written) + " B written");
  row += num_td(fmt("%.0f", static_cast<double>(l.live_activation_bytes) / 1024.0),
                std::to_string(l.live_activation_bytes));
  const bool fallback = l.kernel.rfind("ref", 0) == 0;
  row += text_td(l.kernel, fallback ? "kernel fallback" : "kernel");
  row += "<td data-v=\"" + escape(l.bound) + "\">" +
         (l.bound.empty() ? std::string("<span class=\"muted\">\\</span>")
                          : "<span class=\"bound bound-" + escape(l.bound) + "\">" + escape(l.bound) + "</span>") +
         "</td>";
  row += text_td(scoped_full_name(l.scope, l.op_type, l.source_names), "name");
  return row + "</tr>\n";
}

}  // namespace

std::string layer_table_section(const PerfReport& r) {
  size_t threads = 0;
  for (const LayerProfile& l : r.layers) threads = std::max(threads, l.workload.size());
  const std::string workload_label = per_thread_heading("WorkLoad", std::max<size_t>(threads, 1));

  std::string out = "<section id=\"layers\">\n<h2>Network Layer Information Table</h2>\n";
  out += filter_box("layer-table", "Filter layers: op type, name, kernel, bound, shape", "layers", r.layers.size());
  out += "<div class=\"table-wrap\"><table id=\"layer-table\" class=\"data\" data-table=\"layers\">\n<thead><tr>";
  out += th("id", "num", "ID", "execution order");
  out += th("op", "text", "OpType", "operator as executed (after fusion)");
  out += th("dtype", "text", "DataType", "precision the layer ran in");
  out += th("target", "text", "Target", "device that ran it");
  out += th("in", "text", "InputShape", "every input, weights included");
  out += th("out", "text", "OutputShape", "every output");
  out += th("cycles", "num", "Cycles(Mem/Compute/Total)", "roofline lower bound at the measured roofs");
  out += th("time", "num", "Time(&micro;s)", "median over the profiled runs");
  out += th("share", "num", "Share(%)", "of the sum of the layers' medians");
  out += th("mac", "num", "MacUsage(%)", "achieved MACs / one core's peak, per thread");
  out += th("workload", "num", workload_label, "each worker thread's share of the layer's work");
  out += th("rw", "num", "RW(KB)", "bytes read + written, / 1024");
  out += th("live", "num", "LiveAct(KB)", "activations alive while the layer runs, / 1024");
  out += th("kernel", "text", "Kernel", "implementation that ran; ref = generic fallback");
  out += th("bound", "text", "Bound", "the roof that dominates the cycles");
  out += th("name", "text", "FullName", "enclosing nodes / op type : original ONNX node names");
  out += "</tr></thead>\n<tbody>\n";
  const std::vector<size_t> depths = nesting_depths(r.layers);
  for (size_t i = 0; i < r.layers.size(); ++i) out += layer_row(r.layers[i], depths[i], r);
  out += "</tbody>\n<tfoot><tr><th colspan=\"7\">Total Operator Elapsed Per Frame Time(&micro;s)</th>";
  out += "<td class=\"num\">" + micros(r.layer_sum_us) + "</td><td colspan=\"9\"></td></tr></tfoot>\n";
  return out + "</table></div>\n</section>\n";
}

std::string optype_table_section(const PerfReport& r) {
  std::string out = "<section id=\"optypes\">\n<h2>Operator Time Consuming Ranking Table</h2>\n";
  out += filter_box("optype-table", "Filter op types", "op types", r.ranking.size());
  out += "<div class=\"table-wrap\"><table id=\"optype-table\" class=\"data\" data-table=\"optypes\">\n<thead><tr>";
  out += th("op", "text", "OpType", "operator as executed");
  out += th("calls", "num", "CallNumber", "executions per run: one per layer, a body layer's calls");
  out += th("total", "num", "TotalTime(&micro;s)", "sum of the layers' medians");
  out += th("mean", "num", "PerCall(&micro;s)", "total / calls");
  out += th("ratio", "num", "TimeRatio(%)", "of the sum of all layers' medians");
  out += "</tr></thead>\n<tbody>\n";
  int calls = 0;
  for (const OpTypeRank& k : r.ranking) {
    calls += k.calls;
    const double per_call = k.calls > 0 ? k.total_us / k.calls : 0;
    out += "<tr data-op=\"" + escape(k.op_type) + "\"><td data-v=\"" + escape(k.op_type) + "\">" + op_chip(k.op_type) +
           "</td>";
    out += num_td(std::to_string(k.calls), std::to_string(k.calls));
    out += num_td(micros(k.total_us), fmt("%.17g", k.total_us));
    out += num_td(micros(per_call), fmt("%.17g", per_call));
    out += "<td class=\"num ratio\" data-v=\"" + fmt("%.17g", k.ratio_pct) + "\"><span class=\"ratio-bar\" data-op=\"" +
           escape(k.op_type) + "\" style=\"width:" + fmt("%.2f", std::clamp(k.ratio_pct, 0.0, 100.0)) +
           "%\"></span><span class=\"ratio-text\">" + fmt("%.2f%%", k.ratio_pct) + "</span></td></tr>\n";
  }
  out += "</tbody>\n<tfoot><tr><th>Total</th><td class=\"num\">" + std::to_string(calls) + "</td><td class=\"num\">" +
         micros(r.layer_sum_us) + "</td><td></td><td></td></tr></tfoot>\n";
  return out + "</table></div>\n</section>\n";
}

std::string findings_section(const PerfReport& r, const std::vector<Finding>& findings) {
  std::string out = "<section id=\"findings\">\n<h2>Findings</h2>\n";
  if (findings.empty())
    return out +
           "<p class=\"muted\" id=\"no-findings\">No findings: no rule flagged anything in this report.</p>\n"
           "</section>\n";
  out += "<ol class=\"findings\">\n";
  for (const Finding& f : findings) {
    const std::string severity = f.severity.empty() ? "info" : f.severity;
    out += "<li class=\"finding sev-" + escape(severity) + "\" data-kind=\"" + escape(f.kind) + "\">\n";
    out += "<div class=\"finding-head\"><span class=\"severity\">" + escape(severity) +
           "</span><span class=\"finding-title\">" + escape(f.title) + "</span>";
    if (f.time_share_pct > 0)
      out += "<span class=\"finding-share\">" + fmt("%.1f%%", f.time_share_pct) + " of layer time</span>";
    out += "</div>\n<p class=\"finding-detail\">" + escape(f.detail) + "</p>\n";
    if (!f.layer_ids.empty()) {
      out += "<div class=\"finding-layers\"><span class=\"muted\">" + std::to_string(f.layer_ids.size()) +
             " layer(s):</span> ";
      for (int id : f.layer_ids) {
        auto it = std::find_if(r.layers.begin(), r.layers.end(), [id](const LayerProfile& l) { return l.id == id; });
        if (it == r.layers.end()) {
          out += "<span class=\"layer-link missing\">#" + std::to_string(id) + "</span> ";
          continue;
        }
        out += "<a class=\"layer-link\" href=\"#layer-" + std::to_string(id) + "\" data-op=\"" + escape(it->op_type) +
               "\" title=\"" + escape(scoped_full_name(it->scope, it->op_type, it->source_names)) + "\">#" +
               std::to_string(id) + " " + escape(it->op_type) + "</a> ";
      }
      out += "</div>\n";
    }
    out += "</li>\n";
  }
  return out + "</ol>\n</section>\n";
}

}  // namespace layerscope::html
