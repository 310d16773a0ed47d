// Shared pieces of the Python bindings (layerscope._core): the one exception type, NumPy <->
// Tensor conversion, and the registration function of each binding file.
#pragma once
#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "layerscope/machine.h"
#include "layerscope/runtime.h"
#include "layerscope/status.h"
#include "layerscope/tensor.h"

namespace layerscope::python {

namespace nb = nanobind;

// A failed Status: raised in Python as layerscope.Error (a RuntimeError) with the library's
// message, which names the file, node, op and what was expected.
class StatusError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

inline void check(const Status& status) {
  if (!status) throw StatusError(status.message());
}

// Runs `call` (returning a Status) with the GIL released, so other Python threads run
// meanwhile; raises its failure once the GIL is back. `call` must not touch Python objects.
template <typename F>
void without_gil(F&& call) {
  Status st;
  {
    nb::gil_scoped_release release;
    st = call();
  }
  check(st);
}

// A C-contiguous CPU array of any dtype, read-only from our side. The Python layer
// (layerscope/_inputs.py) converts what needs converting; here nothing is copied.
using InputArray = nb::ndarray<nb::ro, nb::c_contig, nb::device::cpu>;

// A non-owning view of `array` (valid while the array is); `what` names the array in errors.
Tensor tensor_view(const InputArray& array, const std::string& what);

// A NumPy array sharing `tensor`'s storage (no copy): the array keeps the storage alive.
nb::object to_numpy(const Tensor& tensor);

// The Python layer's data_format ("", "nchw", "nhwc") as the Runtime's; raises for anything else.
DataFormat data_format(const std::string& name);

// numpy.dtype of an element type ("float32", "int64", ...); raises for types NumPy lacks.
nb::object numpy_dtype(DType dtype);

// `text` with &, ", < and > as HTML character references (for element text and attributes).
std::string html_escape(const std::string& text);

// `html` (a whole page) as an <iframe srcdoc> for notebooks: the page's own script and
// styles run isolated from the notebook's (sandbox without same-origin).
std::string notebook_iframe(const std::string& html, int height_px);

// This machine's calibration (layerscope.machine(), and the roofs of every profile): read from
// the cache, or measured (a few seconds, GIL released) and cached. A cache that cannot be
// written leaves valid figures: a RuntimeWarning, not an error.
MachineInfo machine_info(bool recalibrate, bool quick);

// pandas, or a clear error saying how to get it.
nb::module_ import_pandas(const char* caller);

void bind_reports(nb::module_& m);
void bind_session(nb::module_& m);
void bind_machine(nb::module_& m);
void bind_compare(nb::module_& m);
void bind_runtime(nb::module_& m);
void bind_quantize(nb::module_& m);
void bind_accuracy(nb::module_& m);

}  // namespace layerscope::python
