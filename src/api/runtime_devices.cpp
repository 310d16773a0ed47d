// Runtime::list_devices: this machine's CPU with its measured roofs (the reference lists the
// boards it can reach; ours is the host itself).
#include "api/guarded.h"
#include "layerscope/runtime.h"
#include "runtime/thread_pinning.h"

namespace layerscope {

Status Runtime::list_devices(std::vector<DeviceInfo>* devices) {
  return guarded([&] {
    LS_CHECK(devices, "list_devices(): devices must not be null");
    DeviceInfo d;
    // Calibrates once per machine (a few seconds), then reads the cache. A cache that cannot
    // be written still leaves valid figures, so that error is not the caller's failure.
    (void)load_or_calibrate(&d.machine, false);
    const MachineInfo& m = d.machine;
    d.model_name = m.model_name;
    d.logical_cores = m.logical_cores;
    d.physical_cores = m.physical_cores;
    d.core_ids = allowed_cores();
    d.isa = isa_flags_string(m.isa);
    d.clock_ghz = m.clock_ghz;
    d.peak_fp32_gmacs_one_core = m.fp32.gmacs_1core;
    d.peak_fp32_gmacs_all = m.fp32.gmacs_all;
    d.bandwidth_gbs_all = roof_bandwidth_gbs(m, 0);
    devices->assign(1, std::move(d));
  });
}

}  // namespace layerscope
