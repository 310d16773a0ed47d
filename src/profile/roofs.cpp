#include "kernels/cpu_features.h"
#include "layerscope/machine.h"
#include "layerscope/profile.h"

namespace layerscope {

Roofs roofs_from_machine(const MachineInfo& m) {
  Roofs r;
  r.cpu_model = m.model_name;
  r.clock_ghz = m.clock_ghz;
  r.macs_per_cycle_per_core = m.fp32_macs_per_cycle;
  // LAYERSCOPE_NO_INT8_DOT=1 makes this process behave as a CPU without VNNI: its reports show
  // no int8 roof, as that CPU's would (the cached calibration keeps the hardware's measurement).
  if (m.clock_ghz > 0 && !int8_dot_product_hidden()) r.int8_macs_per_cycle_per_core = m.int8.gmacs_1core / m.clock_ghz;
  r.bandwidth_gbs_one_core = roof_bandwidth_gbs(m, 1);
  r.bandwidth_gbs_all_cores = roof_bandwidth_gbs(m, 0);
  r.cores = m.logical_cores;
  r.measured = r.clock_ghz > 0 && r.macs_per_cycle_per_core > 0;
  return r;
}

}  // namespace layerscope
