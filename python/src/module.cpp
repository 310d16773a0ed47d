// layerscope._core: the compiled half of the Python package. The pure-Python half
// (python/layerscope/) is the API users import; this module stays side-effect free on import
// (WorkLoad measurement is switched on by layerscope/__init__.py, see docs/python.md).
#include "common.h"
#include "layerscope/workload.h"

NB_MODULE(_core, m) {
  namespace nb = nanobind;
  using namespace layerscope::python;
  m.doc() = "layerscope's C++ API for Python (internal: import layerscope instead)";
  m.attr("__version__") = LAYERSCOPE_VERSION;
  nb::exception<StatusError>(m, "Error", PyExc_RuntimeError);
  m.def("enable_workload_measurement", &layerscope::enable_workload_measurement,
        "Interposes libgomp's parallel regions for this module's OpenMP code (include/layerscope/workload.h); "
        "True when in effect, False when WorkLoad stays unknown.");
  bind_reports(m);
  bind_session(m);
  bind_machine(m);
  bind_compare(m);
  bind_runtime(m);
  bind_quantize(m);
  bind_accuracy(m);
}
