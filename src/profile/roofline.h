// Roofline figures of one layer from its work (MACs, bytes), its measured time and the
// machine's measured roofs.
#pragma once
#include "layerscope/profile.h"

namespace layerscope {

// Fills mem/compute/total cycles, MacUsage per thread and Bound of `layer` (needs time_us,
// workload, macs and bytes already set). Leaves them zero/empty when roofs are unmeasured.
//   Mem cycles     = bytes / bandwidth(cores in use) * clock
//   Compute cycles = MACs / (peak MACs per cycle per core * cores in use)
//   Total          = max(Mem, Compute): the layer is bound by whichever dominates
//   MacUsage[t]    = achieved MACs/s of thread t (its WorkLoad share of the MACs over the
//                    layer's median time) / one core's peak MACs/s
void apply_roofline(const Roofs& roofs, int threads, LayerProfile& layer);

}  // namespace layerscope
