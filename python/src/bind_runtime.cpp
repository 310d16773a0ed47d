// layerscope._core.Runtime: the reference workflow object (runtime.h) under layerscope.rknn.RKNN,
// which turns its errors into the reference's printed messages and return codes.
#include <nanobind/stl/optional.h>
#include <nanobind/stl/pair.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include <optional>

#include "common.h"
#include "layerscope/runtime.h"

namespace layerscope::python {

using namespace nb::literals;

DataFormat data_format(const std::string& name) {
  if (name.empty()) return DataFormat::AsConfigured;
  if (name == "nchw") return DataFormat::NCHW;
  if (name == "nhwc") return DataFormat::NHWC;
  throw StatusError("data_format must be 'nchw' or 'nhwc', got '" + name + "'");
}

// Runtime.build / export_model (bind_quantize.cpp, beside the rest of quantization).
void bind_runtime_build(nb::class_<Runtime>& runtime);
// Runtime.accuracy_analysis (bind_accuracy.cpp, beside the rest of the accuracy analysis).
void bind_runtime_accuracy(nb::class_<Runtime>& runtime);

void bind_runtime(nb::module_& m) {
  nb::class_<DeviceInfo>(m, "DeviceInfo", "This machine's CPU as the runtime sees it.")
      .def_ro("id", &DeviceInfo::id)
      .def_ro("model_name", &DeviceInfo::model_name)
      .def_ro("logical_cores", &DeviceInfo::logical_cores)
      .def_ro("physical_cores", &DeviceInfo::physical_cores)
      .def_ro("core_ids", &DeviceInfo::core_ids, "the CPU ids this process may run on")
      .def_ro("isa", &DeviceInfo::isa)
      .def_ro("clock_ghz", &DeviceInfo::clock_ghz)
      .def_ro("peak_fp32_gmacs_one_core", &DeviceInfo::peak_fp32_gmacs_one_core)
      .def_ro("peak_fp32_gmacs_all", &DeviceInfo::peak_fp32_gmacs_all)
      .def_ro("bandwidth_gbs_all", &DeviceInfo::bandwidth_gbs_all)
      .def_ro("machine", &DeviceInfo::machine);

  nb::class_<Runtime> runtime(m, "Runtime", "The compiled layer under layerscope.rknn.RKNN (use that one).");
  bind_runtime_build(runtime);
  bind_runtime_accuracy(runtime);
  runtime.def(nb::init<>())
      .def(
          "config",
          [](Runtime& rt, std::vector<float> mean, std::vector<float> std, bool rgb_to_bgr, const std::string& fmt) {
            RuntimeConfig c;
            c.mean_values = std::move(mean);
            c.std_values = std::move(std);
            c.rgb_to_bgr = rgb_to_bgr;
            c.input_format = fmt.empty() ? DataFormat::NCHW : data_format(fmt);
            check(rt.config(c));
          },
          "mean_values"_a, "std_values"_a, "rgb_to_bgr"_a, "input_format"_a)
      .def(
          "load", [](Runtime& rt, const std::string& path) { without_gil([&] { return rt.load(path); }); }, "path"_a)
      .def_prop_ro("inputs", &Runtime::inputs)
      .def_prop_ro("outputs", &Runtime::outputs)
      .def_static("list_devices",
                  [] {
                    std::vector<DeviceInfo> devices;
                    without_gil([&] { return Runtime::list_devices(&devices); });
                    return devices;
                  })
      .def(
          "init_runtime",
          [](Runtime& rt, bool perf_debug, bool eval_mem, int threads, std::optional<std::vector<int>> core_ids,
             bool all_cores) {
            RuntimeInit init;
            init.perf_debug = perf_debug;
            init.eval_mem = eval_mem;
            init.threads = threads;
            init.core_mask = all_cores ? CoreMask::All() : core_ids ? CoreMask::Of(*core_ids) : CoreMask::Auto();
            without_gil([&] { return rt.init_runtime(init); });
          },
          "perf_debug"_a, "eval_mem"_a, "threads"_a, "core_ids"_a.none(), "all_cores"_a)
      .def_static("sdk_version", &Runtime::sdk_version)
      .def(
          "eval_perf",
          [](Runtime& rt, int warmup, int runs) {
            PerfReport report;
            std::string text;
            ProfileOptions options;
            options.warmup = warmup;
            options.runs = runs;
            without_gil([&] { return rt.eval_perf(&report, &text, options); });
            return std::make_pair(std::move(report), std::move(text));
          },
          "warmup"_a, "runs"_a)
      .def("eval_memory",
           [](Runtime& rt) {
             MemoryReport report;
             std::string text;
             without_gil([&] { return rt.eval_memory(&report, &text); });
             return std::make_pair(report, std::move(text));
           })
      .def(
          "inference",
          [](Runtime& rt, const std::vector<InputArray>& inputs, const std::string& fmt) {
            std::vector<Tensor> given, outputs;
            for (size_t i = 0; i < inputs.size(); ++i)
              given.push_back(tensor_view(inputs[i], "input #" + std::to_string(i)));
            const DataFormat format = data_format(fmt);
            without_gil([&] { return rt.inference(given, &outputs, format); });
            nb::list out;
            for (const Tensor& t : outputs) out.append(to_numpy(t));
            return out;
          },
          "inputs"_a.noconvert(), "data_format"_a)
      .def("release", [](Runtime& rt) {
        nb::gil_scoped_release release;
        rt.release();
      });
}

}  // namespace layerscope::python
