// layerscope._core.accuracy and AccuracyReport: per-layer accuracy analysis of a quantized model
// against its float original (include/layerscope/accuracy.h), under layerscope.accuracy() and
// RKNN.accuracy_analysis().
#include <nanobind/stl/optional.h>
#include <nanobind/stl/pair.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include <optional>
#include <utility>

#include "common.h"
#include "layerscope/accuracy.h"
#include "layerscope/image.h"
#include "layerscope/runtime.h"

namespace layerscope::python {

using namespace nb::literals;

namespace {

using NamedArrays = std::vector<std::pair<std::string, InputArray>>;

AccuracyOptions options_of(bool single, bool sensitivity, double target, int max_samples, int threads,
                           const std::string& tensors_dir, const std::string& perf) {
  AccuracyOptions o;
  o.single = single;
  o.sensitivity = sensitivity;
  o.target_cosine = target;
  o.max_samples = max_samples;
  o.threads = threads;
  o.tensors_dir = tensors_dir;
  o.perf_path = perf;
  return o;
}

void bind_report_types(nb::module_& m) {
  nb::class_<Metric>(m, "AccuracyMetric",
                     "One metric over the samples: mean `value`, `worst` sample, and `note` where undefined.")
      .def_ro("defined", &Metric::defined)
      .def_ro("value", &Metric::value, "mean over the samples where it is defined (NaN when nowhere)")
      .def_ro("worst", &Metric::worst, "the worst sample (lowest cosine and SQNR, highest errors)")
      .def_ro("samples", &Metric::samples, "samples where it is defined")
      .def_ro("note", &Metric::note, "why it is undefined in some or all samples")
      .def("__repr__", [](const Metric& v) {
        return v.defined ? "AccuracyMetric(" + std::to_string(v.value) + ")" : "AccuracyMetric(undefined)";
      });
  nb::class_<TensorError>(m, "TensorError", "Errors of a quantized tensor against the float one.")
      .def_ro("cosine", &TensorError::cosine)
      .def_ro("rel_l2", &TensorError::rel_l2, "||q - f|| / ||f||")
      .def_ro("max_abs", &TensorError::max_abs)
      .def_ro("sqnr_db", &TensorError::sqnr_db, "10 log10(||f||^2 / ||q - f||^2)");
  nb::class_<LayerAccuracy>(m, "LayerAccuracy", "One quantized layer: entire and single errors, rank, time share.")
      .def_ro("node", &LayerAccuracy::node)
      .def_ro("op_type", &LayerAccuracy::op_type)
      .def_ro("float_tensor", &LayerAccuracy::float_tensor)
      .def_ro("quant_tensor", &LayerAccuracy::quant_tensor)
      .def_ro("matched_by", &LayerAccuracy::matched_by)
      .def_ro("entire", &LayerAccuracy::entire, "errors accumulated through every layer before")
      .def_ro("has_single", &LayerAccuracy::has_single)
      .def_ro("single", &LayerAccuracy::single, "the layer alone, fed the float model's tensors")
      .def_ro("single_note", &LayerAccuracy::single_note)
      .def_ro("rank", &LayerAccuracy::rank, "1 = loses the most")
      .def_ro("time_share_pct", &LayerAccuracy::time_share_pct, "-1 without a perf report")
      .def_ro("perf_layers", &LayerAccuracy::perf_layers);
  nb::class_<OutputAccuracy>(m, "OutputAccuracy")
      .def_ro("name", &OutputAccuracy::name)
      .def_ro("error", &OutputAccuracy::error);
  nb::class_<SensitivityEntry>(m, "SensitivityEntry")
      .def_ro("node", &SensitivityEntry::node)
      .def_ro("op_type", &SensitivityEntry::op_type)
      .def_ro("output_cosine", &SensitivityEntry::output_cosine, "with this layer alone kept in float")
      .def_ro("gain", &SensitivityEntry::gain);
  nb::class_<AccuracyReport>(m, "AccuracyReport",
                             "Per-layer accuracy of a quantized model against its float model (accuracy.h).")
      .def_ro("float_model", &AccuracyReport::float_model)
      .def_ro("quant_model", &AccuracyReport::quant_model)
      .def_ro("samples", &AccuracyReport::samples)
      .def_ro("layers", &AccuracyReport::layers, "in the quantized model's node order")
      .def_ro("outputs", &AccuracyReport::outputs)
      .def_ro("matched_tensors", &AccuracyReport::matched_tensors)
      .def_ro("unmatched", &AccuracyReport::unmatched)
      .def_ro("notes", &AccuracyReport::notes)
      .def_ro("has_sensitivity", &AccuracyReport::has_sensitivity)
      .def_ro("baseline_output_cosine", &AccuracyReport::baseline_output_cosine)
      .def_ro("sensitivity", &AccuracyReport::sensitivity, "most helpful first")
      .def_ro("keep_float", &AccuracyReport::keep_float, "the greedy keep-float list")
      .def_ro("keep_float_output_cosine", &AccuracyReport::keep_float_output_cosine)
      .def_ro("target_cosine", &AccuracyReport::target_cosine)
      .def_ro("target_reached", &AccuracyReport::target_reached)
      .def_ro("quantize_command", &AccuracyReport::quantize_command, "ready to paste")
      .def_prop_ro(
          "text", [](const AccuracyReport& r) { return accuracy_text(r); }, "the text table")
      .def_prop_ro(
          "json", [](const AccuracyReport& r) { return accuracy_json(r); }, "schema layerscope.accuracy")
      .def_prop_ro(
          "csv", [](const AccuracyReport& r) { return accuracy_csv(r); }, "one row per layer")
      .def_prop_ro(
          "html", [](const AccuracyReport& r) { return accuracy_html(r); }, "a self-contained page")
      .def(
          "save",
          [](const AccuracyReport& r, const std::string& dir) {
            without_gil([&] { return write_accuracy_reports(r, dir); });
          },
          "dir"_a, "Writes accuracy.json, accuracy.csv and accuracy.html into the existing folder `dir`, all or none.")
      .def("_repr_html_", [](const AccuracyReport& r) { return notebook_iframe(accuracy_html(r), 640); })
      .def("__repr__", [](const AccuracyReport& r) {
        return "AccuracyReport(layers=" + std::to_string(r.layers.size()) + ", samples=" + std::to_string(r.samples) +
               ")";
      });
}

}  // namespace

void bind_accuracy(nb::module_& m) {
  bind_report_types(m);
  m.def(
      "load_jpeg",
      [](const std::string& path) {
        Tensor image;
        without_gil([&] { return load_jpeg(path, &image); });
        return to_numpy(image);
      },
      "path"_a, "Decodes a JPEG into an (H, W, 3) uint8 RGB array.");
  m.def(
      "load_image",
      [](const std::string& path) {
        Tensor image;
        without_gil([&] { return load_image(path, &image); });
        return to_numpy(image);
      },
      "path"_a,
      "Decodes a JPEG, PNG, BMP or PNM image (told apart by its bytes) into an (H, W, 3) uint8 RGB array "
      "(RKNN.accuracy_analysis's image inputs).");
  m.def(
      "accuracy",
      [](const std::string& float_model, const std::string& quant_model,
         std::optional<std::vector<NamedArrays>> samples, const std::string& dataset, bool single, bool sensitivity,
         double target, int max_samples, int threads, const std::string& tensors_dir, const std::string& perf) {
        AccuracyOptions o = options_of(single, sensitivity, target, max_samples, threads, tensors_dir, perf);
        AccuracyReport report;
        if (samples) {
          std::vector<std::vector<NamedTensor>> given;
          for (const NamedArrays& sample : *samples) {
            std::vector<NamedTensor>& s = given.emplace_back();
            for (const auto& [name, array] : sample) s.push_back({name, tensor_view(array, "input '" + name + "'")});
          }
          without_gil([&] { return analyze_accuracy(float_model, quant_model, given, o, &report); });
        } else {
          without_gil([&] { return analyze_accuracy_dataset(float_model, quant_model, dataset, o, &report); });
        }
        return report;
      },
      "float_model"_a, "quant_model"_a, "samples"_a.none().noconvert(), "dataset"_a, "single"_a, "sensitivity"_a,
      "target"_a, "max_samples"_a, "threads"_a, "tensors_dir"_a, "perf"_a,
      "Per-layer accuracy of `quant_model` against `float_model` (use layerscope.accuracy).");
}

void bind_runtime_accuracy(nb::class_<Runtime>& runtime) {
  runtime.def(
      "accuracy_analysis",
      [](Runtime& rt, const std::vector<InputArray>& inputs, const std::string& out_dir, const std::string& float_model,
         const std::string& fmt, bool sensitivity, double target) {
        std::vector<Tensor> given;
        for (size_t i = 0; i < inputs.size(); ++i)
          given.push_back(tensor_view(inputs[i], "input #" + std::to_string(i)));
        const DataFormat format = data_format(fmt);
        AccuracyOptions o;
        o.sensitivity = sensitivity;
        o.target_cosine = target;
        AccuracyReport report;
        without_gil([&] {
          return float_model.empty() ? rt.accuracy_analysis(given, out_dir, &report, o, format)
                                     : rt.accuracy_analysis(float_model, given, out_dir, &report, o, format);
        });
        return report;
      },
      "inputs"_a.noconvert(), "out_dir"_a, "float_model"_a, "data_format"_a, "sensitivity"_a, "target"_a);
}

}  // namespace layerscope::python
