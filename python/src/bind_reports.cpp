// Performance and memory reports as Python objects: the C++ structs (profile.h, findings.h)
// read-only, with the library's own writers behind .text, .to_json(), .to_csv(), .html(),
// .save() and the notebook view; reading reports back (import.h).
#include <nanobind/stl/filesystem.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include <filesystem>

#include "common.h"
#include "layerscope/accuracy.h"
#include "layerscope/findings.h"
#include "layerscope/import.h"
#include "layerscope/report.h"

namespace layerscope::python {

using namespace nb::literals;

namespace {

// A shape as a Python tuple, NumPy's convention.
nb::tuple shape_tuple(const std::vector<int64_t>& shape) { return nb::tuple(nb::cast(shape)); }

nb::list shape_list(const std::vector<std::vector<int64_t>>& shapes) {
  nb::list out;
  for (const auto& s : shapes) out.append(shape_tuple(s));
  return out;
}

// What `layerscope perf` prints: the reference's tables, the findings, the memory dump.
std::string perf_text(const PerfReport& r) {
  return format_perf_text(r) + "\n" + format_findings_text(find_findings(r)) + "\n" + format_memory_text(r.memory);
}

void save_perf(const PerfReport& r, const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw StatusError("cannot create the folder '" + dir.string() + "': " + ec.message());
  check(write_perf_reports(r, dir.string(), perf_text(r)));
}

// A copy of the report with an accuracy analysis joined in (attach_accuracy): report.html's
// Accuracy section, perf.json's "accuracy", the accuracy_loss finding. `accuracy` is an
// AccuracyReport (layerscope.accuracy()) or the path of an accuracy.json or its folder.
PerfReport with_accuracy(const PerfReport& r, nb::handle accuracy) {
  AccuracyReport read;
  const AccuracyReport* a = nullptr;
  if (nb::isinstance<AccuracyReport>(accuracy)) {
    a = &nb::cast<const AccuracyReport&>(accuracy);
  } else {
    check(read_accuracy_report(nb::cast<std::filesystem::path>(accuracy).string(), &read));
    a = &read;
  }
  PerfReport out = r;
  check(attach_accuracy(*a, &out));
  return out;
}

// The memory report's fields under perf.json's names (its "memory" object).
nb::dict memory_dict(const MemoryReport& r) {
  nb::dict d;
  d["weight_bytes"] = r.weight_bytes;
  d["internal_bytes"] = r.internal_bytes;
  d["other_bytes"] = r.other_bytes;
  d["total_bytes"] = r.total_bytes;
  d["model_file_bytes"] = r.model_file_bytes;
  d["naive_activation_bytes"] = r.naive_activation_bytes;
  return d;
}

PerfReport read_report(const std::filesystem::path& path) {
  PerfReport r;
  check(read_perf_report(path.string(), &r));
  return r;
}

}  // namespace

void bind_reports(nb::module_& m) {
  nb::class_<Stats>(m, "Stats", "Statistics of repeated measurements (unit: see the field holding them).")
      .def_ro("count", &Stats::count)
      .def_ro("median", &Stats::median)
      .def_ro("min", &Stats::min)
      .def_ro("max", &Stats::max)
      .def_ro("p90", &Stats::p90)
      .def_ro("mean", &Stats::mean)
      .def("__repr__", [](const Stats& s) {
        return "Stats(count=" + std::to_string(s.count) + ", median=" + std::to_string(s.median) + ")";
      });

  nb::class_<Roofs>(m, "Roofs", "The machine limits the derived columns (cycles, MacUsage, Bound) use.")
      .def_ro("clock_ghz", &Roofs::clock_ghz)
      .def_ro("macs_per_cycle_per_core", &Roofs::macs_per_cycle_per_core)
      .def_ro("int8_macs_per_cycle_per_core", &Roofs::int8_macs_per_cycle_per_core)
      .def_ro("bandwidth_gbs_one_core", &Roofs::bandwidth_gbs_one_core)
      .def_ro("bandwidth_gbs_all_cores", &Roofs::bandwidth_gbs_all_cores)
      .def_ro("cores", &Roofs::cores)
      .def_ro("measured", &Roofs::measured)
      .def_ro("cpu_model", &Roofs::cpu_model);

  nb::class_<LayerProfile>(m, "Layer", "One executed layer: a row of the Network Layer Information Table.")
      .def_ro("id", &LayerProfile::id, "1-based, execution order; body rows right after their control layer")
      .def_ro("op_type", &LayerProfile::op_type, "the op as executed, after fusion (ConvRelu, SDPAttention, ...)")
      .def_ro("data_type", &LayerProfile::data_type)
      .def_ro("target", &LayerProfile::target)
      .def_prop_ro(
          "input_shapes", [](const LayerProfile& l) { return shape_list(l.input_shapes); },
          "every input's shape, weights included")
      .def_prop_ro("output_shapes", [](const LayerProfile& l) { return shape_list(l.output_shapes); })
      .def_ro("kernel", &LayerProfile::kernel, "the implementation that ran, e.g. 'onednn:brg:avx512_core', 'ref'")
      .def_ro("source_names", &LayerProfile::source_names, "the original ONNX node names this layer stands for")
      .def_ro("input_names", &LayerProfile::input_names, "the values it reads, by name ('' = absent optional input)")
      .def_ro("output_names", &LayerProfile::output_names, "the values it writes, by name")
      .def_ro("macs", &LayerProfile::macs)
      .def_ro("other_ops", &LayerProfile::other_ops)
      .def_ro("bytes_read", &LayerProfile::bytes_read)
      .def_ro("bytes_written", &LayerProfile::bytes_written)
      .def_ro("time_us", &LayerProfile::time_us, "over the profiled runs, in microseconds")
      .def_ro("workload", &LayerProfile::workload,
              "each worker thread's share of the layer's work (sums to 1); empty = unknown")
      .def_ro("mem_cycles", &LayerProfile::mem_cycles)
      .def_ro("compute_cycles", &LayerProfile::compute_cycles)
      .def_ro("total_cycles", &LayerProfile::total_cycles)
      .def_ro("mac_usage_pct", &LayerProfile::mac_usage_pct)
      .def_ro("bound", &LayerProfile::bound, "'memory', 'compute' or '' (unknown)")
      .def_ro("live_activation_bytes", &LayerProfile::live_activation_bytes)
      .def_ro("parent", &LayerProfile::parent,
              "id of the control layer (If, Loop, ...) whose body this layer is in; 0 = top level")
      .def_ro("scope", &LayerProfile::scope, "path through the enclosing nodes, e.g. 'loop_0/body'; '' = top level")
      .def_ro("calls", &LayerProfile::calls, "executions per run (a Loop body's layer: its iterations)")
      .def("__repr__", [](const LayerProfile& l) {
        return "Layer(id=" + std::to_string(l.id) + ", op_type='" + l.op_type + "', kernel='" + l.kernel +
               "', time_us.median=" + std::to_string(l.time_us.median) + ")";
      });

  nb::class_<OpTypeRank>(m, "OpTypeRank", "A row of the Operator Time Consuming Ranking Table.")
      .def_ro("op_type", &OpTypeRank::op_type)
      .def_ro("calls", &OpTypeRank::calls)
      .def_ro("total_us", &OpTypeRank::total_us)
      .def_ro("ratio_pct", &OpTypeRank::ratio_pct);

  nb::class_<Finding>(m, "Finding", "One observation read from a report, with the layer ids behind it.")
      .def_ro("kind", &Finding::kind)
      .def_ro("severity", &Finding::severity)
      .def_ro("title", &Finding::title)
      .def_ro("detail", &Finding::detail)
      .def_ro("time_share_pct", &Finding::time_share_pct)
      .def_ro("layer_ids", &Finding::layer_ids)
      .def("__repr__", [](const Finding& f) { return "Finding(" + f.kind + ": " + f.title + ")"; });

  nb::class_<MemoryReport>(m, "MemoryReport", "eval_memory: the bytes this runtime holds for the model.")
      .def_ro("weight_bytes", &MemoryReport::weight_bytes)
      .def_ro("internal_bytes", &MemoryReport::internal_bytes)
      .def_ro("other_bytes", &MemoryReport::other_bytes)
      .def_ro("total_bytes", &MemoryReport::total_bytes)
      .def_ro("model_file_bytes", &MemoryReport::model_file_bytes)
      .def_ro("naive_activation_bytes", &MemoryReport::naive_activation_bytes)
      .def_prop_ro("text", &format_memory_text, "the reference's Memory Profile Info Dump")
      .def("to_dict", &memory_dict, "the fields as a dict, named as in perf.json's \"memory\" object")
      .def(
          "to_json",
          [](const MemoryReport& r) {
            return nb::module_::import_("json").attr("dumps")(memory_dict(r), "indent"_a = 2);
          },
          "the fields as JSON, named as in perf.json's \"memory\" object")
      .def(
          "to_dataframe",
          [](const MemoryReport& r) {
            nb::list rows;
            rows.append(memory_dict(r));
            return import_pandas("MemoryReport.to_dataframe()").attr("DataFrame")(rows);
          },
          "One row with the byte counts (pandas DataFrame).")
      .def("_repr_html_", [](const MemoryReport& r) { return "<pre>" + html_escape(format_memory_text(r)) + "</pre>"; })
      .def("__repr__",
           [](const MemoryReport& r) { return "MemoryReport(total_bytes=" + std::to_string(r.total_bytes) + ")"; });

  nb::class_<PerfReport>(m, "PerfReport",
                         "A layer-by-layer performance evaluation (Session.profile, RKNN.eval_perf, "
                         "read_report, import_rknn).")
      .def_ro("model_path", &PerfReport::model_path)
      .def_ro("imported_from", &PerfReport::imported_from, "'' when measured here, else where it came from")
      .def_ro("threads", &PerfReport::threads)
      .def_ro("cores", &PerfReport::cores, "the cores worker i was pinned to; empty = not pinned")
      .def_ro("optimized", &PerfReport::optimized)
      .def_ro("warmup", &PerfReport::warmup)
      .def_ro("runs", &PerfReport::runs)
      .def_ro("roofs", &PerfReport::roofs)
      .def_ro("layers", &PerfReport::layers)
      .def_ro("ranking", &PerfReport::ranking, "op types by total time, descending")
      .def_ro("latency_ms", &PerfReport::latency_ms, "end to end, profiler off")
      .def_ro("profiled_latency_ms", &PerfReport::profiled_latency_ms, "end to end, profiler on")
      .def_ro("layer_sum_us", &PerfReport::layer_sum_us)
      .def_ro("overhead_pct", &PerfReport::overhead_pct)
      .def_ro("layer_sum_ratio_pct", &PerfReport::layer_sum_ratio_pct)
      .def_ro("memory", &PerfReport::memory)
      .def_prop_ro("findings", &find_findings, "the reading of the tables, most important first")
      .def_prop_ro("text", &perf_text,
                   "the layer table, totals, ranking table, findings and memory dump, as `layerscope perf` prints")
      .def_prop_ro("tables", &format_perf_text, "the reference's layer table, totals and ranking table")
      .def_prop_ro(
          "findings_text", [](const PerfReport& r) { return format_findings_text(find_findings(r)); },
          "the findings as the text block printed after the tables")
      .def("to_json", &perf_report_json, "perf.json (docs/report-schema.md)")
      .def("to_csv", &perf_layers_csv, "layers.csv: one row per layer")
      .def("to_trace", &perf_chrome_trace, "trace.json: Chrome Trace Event Format")
      .def(
          "html", [](const PerfReport& r) { return perf_report_html(r, find_findings(r)); },
          "report.html: one self-contained page")
      .def(
          "save",
          [](const PerfReport& r, const std::filesystem::path& dir, nb::handle accuracy) {
            save_perf(accuracy.is_none() ? r : with_accuracy(r, accuracy), dir);
          },
          nb::arg("dir"), nb::arg("accuracy").none() = nb::none(),
          "Writes perf.txt, perf.json, layers.csv, trace.json and report.html into dir (created if missing), "
          "all or nothing. accuracy: an AccuracyReport or the path of an accuracy.json (or its folder) of this "
          "quantized model, as with_accuracy() takes; nothing is written when it does not match.")
      .def("with_accuracy", &with_accuracy, nb::arg("accuracy"),
           "A copy of this report with the accuracy analysis of the profiled quantized model joined in, as "
           "`layerscope perf --accuracy` does: report.html's Accuracy section, perf.json's \"accuracy\", the "
           "accuracy_loss finding. accuracy: an AccuracyReport (layerscope.accuracy()) or the path of an "
           "accuracy.json or the folder holding it. Raises layerscope.Error when none of its layers is in this "
           "profile.")
      .def_prop_ro(
          "accuracy",
          [](const PerfReport& r) -> nb::object {
            return r.accuracy ? nb::cast(*r.accuracy, nb::rv_policy::copy) : nb::none();
          },
          "the AccuracyReport joined in (with_accuracy, perf --accuracy, a perf.json carrying one), else None")
      .def(
          "to_dataframe",
          [](const PerfReport& r) {
            nb::module_ pandas = import_pandas("PerfReport.to_dataframe()");
            nb::object text = nb::module_::import_("io").attr("StringIO")(perf_layers_csv(r));
            return pandas.attr("read_csv")(text, "keep_default_na"_a = false, "na_values"_a = nb::make_tuple(""));
          },
          "The layer rows as a pandas DataFrame, with the columns of layers.csv (docs/report-schema.md).")
      .def("_repr_html_",
           [](const PerfReport& r) { return notebook_iframe(perf_report_html(r, find_findings(r)), 900); })
      .def("__repr__", [](const PerfReport& r) {
        return "PerfReport(model_path='" + r.model_path + "', layers=" + std::to_string(r.layers.size()) +
               ", runs=" + std::to_string(r.runs) + ")";
      });

  m.def("read_report", &read_report, nb::arg("path"),
        "Reads a report back: our perf.json or the reference tool's eval_perf text (recognised by content).");
  m.def(
      "import_rknn",
      [](const std::filesystem::path& path) {
        PerfReport r = read_report(path);
        if (r.imported_from.empty())
          throw StatusError(path.string() +
                            ": this is a layerscope perf.json, not the reference tool's eval_perf text; "
                            "read it with layerscope.read_report()");
        return r;
      },
      nb::arg("path"), "Reads the reference tool's eval_perf text (RKNN 2.x or 1.x layout) as a PerfReport.");
}

}  // namespace layerscope::python
