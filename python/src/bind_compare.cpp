// layerscope.compare(): A/B comparison of two performance reports (compare.h).
#include <nanobind/stl/filesystem.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include <filesystem>

#include "common.h"
#include "layerscope/compare.h"

namespace layerscope::python {

using namespace nb::literals;

namespace {

// One row per layer change, columns named after the C++ fields (medians and ranges in us).
nb::object layers_dataframe(const Comparison& c) {
  nb::module_ pandas = import_pandas("Comparison.to_dataframe()");
  nb::list rows;
  for (const LayerChange& l : c.layers) {
    nb::dict r;
    r["id_a"] = l.id_a;
    r["id_b"] = l.id_b;
    r["op_type_a"] = l.op_type_a;
    r["op_type_b"] = l.op_type_b;
    r["data_type_a"] = l.data_type_a;
    r["data_type_b"] = l.data_type_b;
    r["name_a"] = l.name_a;
    r["name_b"] = l.name_b;
    r["match"] = l.match;
    r["time_a_us"] = l.time.a.median_us;
    r["time_b_us"] = l.time.b.median_us;
    r["change_us"] = l.time.change_us;
    r["change_pct"] = l.time.change_pct;
    r["speedup"] = l.time.speedup;
    r["verdict"] = l.time.verdict;
    rows.append(r);
  }
  return pandas.attr("DataFrame")(rows);
}

}  // namespace

void bind_compare(nb::module_& m) {
  nb::class_<TimeRange>(m, "TimeRange", "A time with its range over runs: [low_us, high_us] = [min, p90].")
      .def_ro("median_us", &TimeRange::median_us)
      .def_ro("low_us", &TimeRange::low_us)
      .def_ro("high_us", &TimeRange::high_us)
      .def_ro("runs", &TimeRange::runs);

  nb::class_<TimeChange>(m, "TimeChange", "Time in A, time in B, the change and the verdict against the noise.")
      .def_ro("a", &TimeChange::a)
      .def_ro("b", &TimeChange::b)
      .def_ro("change_us", &TimeChange::change_us)
      .def_ro("change_pct", &TimeChange::change_pct)
      .def_ro("speedup", &TimeChange::speedup, "A / B (medians); 0 when either side has no time")
      .def_ro("verdict", &TimeChange::verdict, "'slower', 'faster', 'within noise', 'no spread', 'added' or 'removed'");

  nb::class_<LayerChange>(m, "LayerChange", "A layer matched across the two reports (or only in one).")
      .def_ro("id_a", &LayerChange::id_a)
      .def_ro("id_b", &LayerChange::id_b)
      .def_ro("op_type_a", &LayerChange::op_type_a)
      .def_ro("op_type_b", &LayerChange::op_type_b)
      .def_ro("more_ids_a", &LayerChange::more_ids_a, "further layers of A in this row (their times included)")
      .def_ro("more_ids_b", &LayerChange::more_ids_b, "further layers of B in this row (their times included)")
      .def_ro("data_type_a", &LayerChange::data_type_a)
      .def_ro("data_type_b", &LayerChange::data_type_b)
      .def_ro("name_a", &LayerChange::name_a)
      .def_ro("name_b", &LayerChange::name_b)
      .def_ro("match", &LayerChange::match, "'name', 'name prefix', 'op + shapes' or '' (added/removed)")
      .def_ro("time", &LayerChange::time);

  nb::class_<OpTypeChange>(m, "OpTypeChange", "An op type's total time in A and B.")
      .def_ro("op_type", &OpTypeChange::op_type)
      .def_ro("calls_a", &OpTypeChange::calls_a)
      .def_ro("calls_b", &OpTypeChange::calls_b)
      .def_ro("time", &OpTypeChange::time);

  nb::class_<ReportSide>(m, "ReportSide", "One side of a comparison.")
      .def_ro("label", &ReportSide::label)
      .def_ro("description", &ReportSide::description)
      .def_ro("runs", &ReportSide::runs)
      .def_ro("has_spread", &ReportSide::has_spread)
      .def_ro("layers", &ReportSide::layers);

  nb::class_<Comparison>(m, "Comparison", "A/B comparison of two reports (layerscope.compare).")
      .def_ro("a", &Comparison::a)
      .def_ro("b", &Comparison::b)
      .def_ro("layer_sum", &Comparison::layer_sum)
      .def_ro("has_latency", &Comparison::has_latency)
      .def_ro("latency", &Comparison::latency, "end to end, profiler off, in microseconds")
      .def_ro("op_types", &Comparison::op_types, "by |change|, descending")
      .def_ro("layers", &Comparison::layers, "by |change|, descending")
      .def_ro("matched_by_name", &Comparison::matched_by_name)
      .def_ro("matched_by_prefix", &Comparison::matched_by_prefix)
      .def_ro("matched_by_shapes", &Comparison::matched_by_shapes)
      .def_ro("added", &Comparison::added)
      .def_ro("removed", &Comparison::removed)
      .def_prop_ro("text", &format_comparison_text, "what `layerscope compare` prints")
      .def("to_json", &comparison_json, "compare.json (docs/report-schema.md)")
      .def("html", &comparison_html, "compare.html: one self-contained page")
      .def(
          "save",
          [](const Comparison& c, const std::filesystem::path& dir) {
            std::error_code ec;
            std::filesystem::create_directories(dir, ec);
            if (ec) throw StatusError("cannot create the folder '" + dir.string() + "': " + ec.message());
            check(write_comparison_files(c, dir.string(), format_comparison_text(c)));
          },
          "dir"_a, "Writes compare.txt, compare.json and compare.html into dir (created if missing), all or nothing.")
      .def("to_dataframe", &layers_dataframe, "The layer changes as a pandas DataFrame.")
      .def("_repr_html_", [](const Comparison& c) { return notebook_iframe(comparison_html(c), 700); });

  m.def("compare_reports", &compare_reports, "a"_a, "b"_a, "label_a"_a, "label_b"_a);
}

}  // namespace layerscope::python
