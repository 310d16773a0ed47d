// layerscope._core.quantize and QuantizeSummary: static int8 quantization from a calibration
// dataset (include/layerscope/quantize.h), under layerscope.quantize() and RKNN.build().
#include <nanobind/stl/optional.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include <optional>

#include "common.h"
#include "layerscope/quantize.h"
#include "layerscope/runtime.h"

namespace layerscope::python {

using namespace nb::literals;

namespace {

CalibrationMethod method_of(const std::string& name) {
  if (name == "minmax") return CalibrationMethod::MinMax;
  if (name == "percentile") return CalibrationMethod::Percentile;
  if (name == "entropy") return CalibrationMethod::Entropy;
  throw StatusError("method must be 'minmax', 'percentile' or 'entropy', got '" + name + "'");
}

// The options as the Python layer passes them (every one explicit; python/layerscope/__init__.py
// holds the defaults and documents them).
QuantizeOptions options_of(const std::string& method, double percentile, bool per_channel,
                           std::vector<std::string> keep_float, int max_samples, std::optional<std::vector<float>> mean,
                           std::optional<std::vector<float>> std, bool bgr, int threads) {
  QuantizeOptions o;
  o.method = method_of(method);
  o.percentile = percentile;
  o.per_channel = per_channel;
  o.keep_float = std::move(keep_float);
  o.max_samples = max_samples;
  if (mean) o.image.mean = *mean;
  if (std) o.image.std = *std;
  o.image.rgb_to_bgr = bgr;
  o.threads = threads;
  return o;
}

}  // namespace

void bind_quantize(nb::module_& m) {
  nb::class_<QuantizeSummary>(m, "QuantizeSummary", "What layerscope.quantize() did (include/layerscope/quantize.h).")
      .def_ro("samples", &QuantizeSummary::samples, "calibration samples run")
      .def_ro("quantized_nodes", &QuantizeSummary::quantized_nodes, "nodes reading dequantized inputs")
      .def_ro("kept_float", &QuantizeSummary::kept_float, "nodes kept in float (keep_float)")
      .def_ro("activations", &QuantizeSummary::activations,
              "activation tensors with a QuantizeLinear/DequantizeLinear pair")
      .def_ro("weights", &QuantizeSummary::weights, "int8 weight tensors")
      .def_ro("biases", &QuantizeSummary::biases, "int32 bias tensors")
      .def_ro("opset", &QuantizeSummary::opset, "ai.onnx opset of the written model")
      .def_ro("notes", &QuantizeSummary::notes, "anything changed or left out")
      .def("__repr__", [](const QuantizeSummary& s) {
        return "QuantizeSummary(samples=" + std::to_string(s.samples) +
               ", quantized_nodes=" + std::to_string(s.quantized_nodes) +
               ", activations=" + std::to_string(s.activations) + ", weights=" + std::to_string(s.weights) +
               ", opset=" + std::to_string(s.opset) + ")";
      });

  m.def(
      "quantize",
      [](const std::string& model, const std::string& dataset, const std::string& out, const std::string& method,
         double percentile, bool per_channel, std::vector<std::string> keep_float, int max_samples,
         std::optional<std::vector<float>> mean, std::optional<std::vector<float>> std, bool bgr, int threads,
         nb::object progress) {
        const QuantizeOptions o =
            options_of(method, percentile, per_channel, std::move(keep_float), max_samples, mean, std, bgr, threads);
        // As Session.profile's progress: the GIL is taken for the Python call; an exception it
        // raises stops further callbacks and is raised when quantize_model returns.
        std::optional<nb::python_error> failure;
        QuantizeProgress report;
        if (!progress.is_none()) {
          PyObject* callable = progress.ptr();
          report = [callable, &failure](int done, int total) {
            nb::gil_scoped_acquire acquire;
            if (failure) return;
            try {
              nb::handle fn(callable);
              fn(done, total);
            } catch (nb::python_error& e) {
              failure.emplace(std::move(e));
            }
          };
        }
        QuantizeSummary summary;
        Status st;
        {
          nb::gil_scoped_release release;
          st = quantize_model(model, dataset, out, o, &summary, report);
        }
        if (failure) throw std::move(*failure);
        check(st);
        return summary;
      },
      "model"_a, "dataset"_a, "out"_a, "method"_a, "percentile"_a, "per_channel"_a, "keep_float"_a, "max_samples"_a,
      "mean"_a.none(), "std"_a.none(), "bgr"_a, "threads"_a, "progress"_a.none(),
      "Calibrates `model` on `dataset` and writes the int8 QDQ model to `out` (use layerscope.quantize).");
}

void bind_runtime_build(nb::class_<Runtime>& runtime) {
  runtime
      .def(
          "build",
          [](Runtime& rt, bool do_quantization, const std::string& dataset, const std::string& method,
             double percentile, bool per_channel, std::vector<std::string> keep_float, int max_samples) {
            // Image preprocessing comes from the Runtime's config (runtime.h), so none here.
            const QuantizeOptions o = options_of(method, percentile, per_channel, std::move(keep_float), max_samples,
                                                 std::nullopt, std::nullopt, false, 0);
            without_gil([&] { return rt.build(do_quantization, dataset, o); });
          },
          "do_quantization"_a, "dataset"_a, "method"_a, "percentile"_a, "per_channel"_a, "keep_float"_a,
          "max_samples"_a)
      .def(
          "export_model",
          [](Runtime& rt, const std::string& path) { without_gil([&] { return rt.export_model(path); }); }, "path"_a);
}

}  // namespace layerscope::python
