// Roofline figures of one layer from its work (MACs, bytes), its measured time and the
// machine's measured roofs.
#pragma once
#include <string>

#include "layerscope/profile.h"
#include "profile/quantized_layers.h"

namespace layerscope {

// The per-core peak (MACs per cycle) that bounds `layer`'s MACs: the int8 peak for int8 layers,
// else the fp32 one; 0 when that peak was not measured (an int8 layer on a CPU without VNNI).
double compute_peak_per_cycle(const Roofs& roofs, const LayerProfile& layer);

// Fills mem/compute/total cycles, MacUsage per thread and Bound of `layer` (needs time_us,
// workload, macs, bytes and data_type already set). Leaves them zero/empty when roofs are
// unmeasured, and when the layer's compute peak is unknown (an int8 layer without a measured
// int8 peak: a bound or usage against the fp32 peak would be wrong by the int8/fp32 ratio).
//   Mem cycles     = bytes / bandwidth(cores in use) * clock
//   Compute cycles = MACs / (peak MACs per cycle per core * cores in use)
//   Total          = max(Mem, Compute): the layer is bound by whichever dominates
//   MacUsage[t]    = achieved MACs/s of thread t (its WorkLoad share of the MACs over the
//                    layer's median time) / one core's peak MACs/s
// where peak = Roofs::int8_macs_per_cycle_per_core for an int8 layer (computes_in_int8), else
// Roofs::macs_per_cycle_per_core.
void apply_roofline(const Roofs& roofs, int threads, LayerProfile& layer);

}  // namespace layerscope
