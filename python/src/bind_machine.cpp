// layerscope.machine(): what this CPU is and its measured roofs (machine.h).
#include <nanobind/stl/string.h>

#include "common.h"

namespace layerscope::python {

using namespace nb::literals;

namespace {

DType dtype_by_name(const std::string& name) {
  if (name == "float32") return DType::F32;
  if (name == "bfloat16") return DType::BF16;
  if (name == "int8") return DType::I8;
  if (name == "uint8") return DType::U8;
  throw StatusError("peak_gmacs(): dtype must be 'float32', 'bfloat16', 'int8' or 'uint8', got '" + name + "'");
}

}  // namespace

MachineInfo machine_info(bool recalibrate, bool quick) {
  MachineInfo info;
  CalibrationOptions options;
  options.quick = quick;
  Status st;
  {
    nb::gil_scoped_release release;
    st = load_or_calibrate(&info, recalibrate, options);
  }
  // Only writing the cache can fail, and the figures are valid all the same.
  if (!st && PyErr_WarnEx(PyExc_RuntimeWarning, st.message().c_str(), 1) != 0) throw nb::python_error();
  return info;
}

void bind_machine(nb::module_& m) {
  nb::class_<CacheSizes>(m, "CacheSizes", "Data cache sizes in bytes (0 = unknown).")
      .def_ro("l1d_bytes", &CacheSizes::l1d_bytes)
      .def_ro("l2_bytes", &CacheSizes::l2_bytes)
      .def_ro("l3_bytes", &CacheSizes::l3_bytes)
      .def_ro("l3_instances", &CacheSizes::l3_instances)
      .def_ro("llc_total_bytes", &CacheSizes::llc_total_bytes);

  nb::class_<PeakCompute>(m, "PeakCompute", "Measured peak multiply-accumulate rate of one data type.")
      .def_ro("gmacs_1core", &PeakCompute::gmacs_1core)
      .def_ro("gmacs_all", &PeakCompute::gmacs_all)
      .def_ro("kernel", &PeakCompute::kernel);

  nb::class_<Bandwidth>(m, "Bandwidth", "Sustained memory bandwidth in GB/s (1e9 bytes/s).")
      .def_ro("gbs_1core", &Bandwidth::gbs_1core)
      .def_ro("gbs_all", &Bandwidth::gbs_all);

  nb::class_<MachineInfo>(m, "MachineInfo", "This CPU and its measured roofs (`layerscope machine`).")
      .def_ro("model_name", &MachineInfo::model_name)
      .def_ro("vendor", &MachineInfo::vendor)
      .def_ro("logical_cores", &MachineInfo::logical_cores)
      .def_ro("physical_cores", &MachineInfo::physical_cores)
      .def_prop_ro(
          "isa", [](const MachineInfo& i) { return isa_flags_string(i.isa); },
          "instruction-set extensions, e.g. 'avx2 fma avx512f avx512_vnni'")
      .def_ro("cache", &MachineInfo::cache)
      .def_ro("clock_ghz", &MachineInfo::clock_ghz)
      .def_ro("cpuinfo_mhz", &MachineInfo::cpuinfo_mhz)
      .def_ro("fp32", &MachineInfo::fp32)
      .def_ro("bf16", &MachineInfo::bf16)
      .def_ro("int8", &MachineInfo::int8)
      .def_ro("fp32_macs_per_cycle", &MachineInfo::fp32_macs_per_cycle)
      .def_ro("read", &MachineInfo::read)
      .def_ro("write", &MachineInfo::write)
      .def_ro("write_nt", &MachineInfo::write_nt)
      .def_ro("copy", &MachineInfo::copy)
      .def_ro("quick", &MachineInfo::quick)
      .def_ro("calibration_seconds", &MachineInfo::calibration_seconds)
      .def_ro("load_average", &MachineInfo::load_average)
      .def_ro("calibrated_at", &MachineInfo::calibrated_at)
      .def_ro("cache_path", &MachineInfo::cache_path)
      .def_ro("from_cache", &MachineInfo::from_cache)
      .def_prop_ro("text", &format_machine, "the block `layerscope machine` prints")
      .def("to_json", &machine_to_json, "the cache file's JSON form")
      .def(
          "peak_gmacs",
          [](const MachineInfo& i, const std::string& dtype, int threads) {
            return peak_gmacs(i, dtype_by_name(dtype), threads);
          },
          "dtype"_a = "float32", "threads"_a = 0, "Peak GMAC/s with `threads` threads (0 = all); 0 = not measured.")
      .def(
          "roof_bandwidth_gbs", [](const MachineInfo& i, int threads) { return roof_bandwidth_gbs(i, threads); },
          "threads"_a = 0, "The bandwidth roof in GB/s with `threads` threads (0 = all).")
      .def("__repr__", [](const MachineInfo& i) {
        return "MachineInfo(model_name='" + i.model_name + "', logical_cores=" + std::to_string(i.logical_cores) + ")";
      });

  m.def("machine", &machine_info, "recalibrate"_a = false, "quick"_a = false,
        "This machine's CPU and measured roofs: read from the cache, or calibrated (a few seconds) and cached.");
}

}  // namespace layerscope::python
