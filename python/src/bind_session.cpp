// layerscope._core.Session: Session (session.h) and its profiling calls (profile.h). Every call
// that runs the model releases the GIL, so other Python threads (and other Sessions) run
// meanwhile; one Session's calls still wait for each other inside the library.
#include <nanobind/stl/optional.h>
#include <nanobind/stl/pair.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include <memory>
#include <optional>

#include "common.h"
#include "layerscope/profile.h"
#include "layerscope/random_inputs.h"
#include "layerscope/session.h"

namespace layerscope::python {

using namespace nb::literals;

namespace {

struct SessionHandle {
  std::unique_ptr<Session> session;
};

using NamedArrays = std::vector<std::pair<std::string, InputArray>>;

std::vector<NamedTensor> views(const NamedArrays& inputs) {
  std::vector<NamedTensor> out;
  out.reserve(inputs.size());
  for (const auto& [name, array] : inputs) out.push_back({name, tensor_view(array, "input '" + name + "'")});
  return out;
}

nb::list named_arrays(const std::vector<NamedTensor>& tensors) {
  nb::list out;
  for (const NamedTensor& t : tensors) out.append(nb::make_tuple(t.name, to_numpy(t.tensor)));
  return out;
}

PerfReport profile(SessionHandle& h, std::optional<NamedArrays> inputs, int warmup, int runs, nb::object progress,
                   bool workload) {
  std::vector<NamedTensor> given;
  if (inputs) {
    given = views(*inputs);
  } else {
    check(random_inputs(h.session->inputs(), 0, &given));
  }
  ProfileOptions options;
  options.warmup = warmup;
  options.runs = runs;
  options.measure_workload = workload;
  // The callback runs on this thread while the GIL is released: it takes the GIL for the
  // Python call. It holds the callable as a borrowed pointer (the argument outlives the
  // call), so no reference count changes without the GIL. A Python exception stops further
  // callbacks and is raised once the evaluation returns.
  std::optional<nb::python_error> failure;
  if (!progress.is_none()) {
    PyObject* callable = progress.ptr();
    options.progress = [callable, &failure](const char* phase, int done, int total) {
      nb::gil_scoped_acquire acquire;
      if (failure) return;
      try {
        nb::handle fn(callable);
        fn(phase, done, total);
      } catch (nb::python_error& e) {
        failure.emplace(std::move(e));
      }
    };
  }
  const Roofs roofs = roofs_from_machine(machine_info(false, false));
  PerfReport report;
  without_gil([&] { return evaluate_performance(*h.session, given, options, roofs, &report); });
  if (failure) throw std::move(*failure);
  return report;
}

nb::object value_shape(const ValueDesc& d) {
  if (!d.has_shape) return nb::none();
  nb::list dims;
  for (int64_t v : d.shape) dims.append(v >= 0 ? nb::cast(v) : nb::none());
  return nb::tuple(dims);
}

}  // namespace

void bind_session(nb::module_& m) {
  nb::class_<ValueDesc>(m, "ValueInfo", "A model input or output as the model declares it.")
      .def_ro("name", &ValueDesc::name)
      .def_prop_ro(
          "dtype",
          [](const ValueDesc& d) -> nb::object { return d.dtype == DType::String ? nb::none() : numpy_dtype(d.dtype); },
          "numpy.dtype of the elements (None for ONNX strings)")
      .def_prop_ro(
          "onnx_type", [](const ValueDesc& d) { return std::string(dtype_name(d.dtype)); },
          "the element type in the reference's words: FLOAT, UINT8, INT64, ...")
      .def_prop_ro("shape", &value_shape, "tuple of dims, None for a symbolic or unknown dim; None when undeclared")
      .def_ro("dim_names", &ValueDesc::dim_names, "names of symbolic dims ('' where none)")
      .def("__repr__", [](const ValueDesc& d) {
        return "ValueInfo(name='" + d.name + "', onnx_type=" + dtype_name(d.dtype) +
               ", shape=" + (d.has_shape ? shape_to_string(d.shape) : std::string("undeclared")) + ")";
      });

  nb::class_<PlanSummary>(m, "PlanSummary", "Facts about the execution plan.")
      .def_ro("layers", &PlanSummary::layers)
      .def_ro("folded_nodes", &PlanSummary::folded_nodes)
      .def_ro("arena_bytes", &PlanSummary::arena_bytes)
      .def_ro("naive_activation_bytes", &PlanSummary::naive_activation_bytes)
      .def_ro("constant_bytes", &PlanSummary::constant_bytes)
      .def_ro("packed_weight_bytes", &PlanSummary::packed_weight_bytes)
      .def_ro("threads", &PlanSummary::threads);

  nb::class_<SessionHandle>(m, "Session", "The compiled layer under layerscope.Session (use that one).")
      .def(
          "__init__",
          [](SessionHandle* self, const std::string& model, int threads, std::vector<int> cores, bool optimize,
             uint64_t max_memory) {
            SessionOptions options;
            options.threads = threads;
            options.cores = std::move(cores);
            options.optimize = optimize;
            options.max_memory_bytes = max_memory;
            std::unique_ptr<Session> session;
            without_gil([&] { return Session::load(model, options, &session); });
            new (self) SessionHandle{std::move(session)};
          },
          "model"_a, "threads"_a = 0, "cores"_a = std::vector<int>{}, "optimize"_a = true, "max_memory"_a = 0)
      .def_prop_ro("model_path", [](const SessionHandle& h) { return h.session->model_path(); })
      .def_prop_ro("inputs", [](const SessionHandle& h) { return h.session->inputs(); })
      .def_prop_ro("outputs", [](const SessionHandle& h) { return h.session->outputs(); })
      .def(
          "run",
          [](SessionHandle& h, const NamedArrays& inputs) {
            std::vector<NamedTensor> given = views(inputs), outputs;
            without_gil([&] { return h.session->run(given, &outputs); });
            return named_arrays(outputs);
          },
          "inputs"_a.noconvert(), "Runs the model on (name, C-contiguous array) pairs; returns (name, array) pairs.")
      .def("profile", &profile, "inputs"_a.none().noconvert(), "warmup"_a, "runs"_a, "progress"_a.none(), "workload"_a)
      .def("memory",
           [](SessionHandle& h) {
             MemoryReport r;
             without_gil([&] { return evaluate_memory(*h.session, &r); });
             return r;
           })
      .def("plan",
           [](const SessionHandle& h) {
             PlanSummary p;
             check(h.session->plan_summary(&p));
             return p;
           })
      .def(
          "random_inputs",
          [](const SessionHandle& h, uint32_t seed) {
            std::vector<NamedTensor> made;
            check(random_inputs(h.session->inputs(), seed, &made));
            return named_arrays(made);
          },
          "seed"_a);
}

}  // namespace layerscope::python
