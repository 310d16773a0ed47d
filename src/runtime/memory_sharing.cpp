// Which outputs may live in an input's buffer. Rules (the why of each):
//   - both are Arena slots: graph inputs belong to the caller, constants are shared by every
//     run, Dynamic tensors are heap-allocated per run;
//   - same held bytes and same layout: one buffer must fit both, element for element;
//   - View: both Plain (a blocked buffer is not a row-major reshape of its logical shape);
//     otherwise always legal, since no value changes after it is produced - as long as no
//     in-place write comes later, which the next rule guarantees;
//   - InPlace: same dtype, and no member of the input's group is read after this step (the
//     write destroys them all), and the group feeds no other input of this node unless the
//     kernel reads every input only at the index it writes (position_wise).
// Groups only ever grow by the output being produced now, so the group of a value is
// decided when it is produced: one pass in execution order suffices.
#include "runtime/memory_sharing.h"

#include <algorithm>
#include <numeric>

namespace layerscope {

int64_t slot_held_bytes(const Slot& slot) {
  return layout_numel(slot.info.shape, slot.layout) * static_cast<int64_t>(dtype_size(slot.info.dtype));
}

namespace {

struct Groups {
  std::vector<int> of;         // value -> group (the value owning the buffer)
  std::vector<int> last_read;  // group -> last step reading any member (valid for owners)
};

bool can_share(const ExecutionPlan& plan, const Groups& groups, int step, const Node& n, const OutputSharing& sharing,
               int k) {
  const int out = n.outputs.empty() ? -1 : n.outputs[0];
  if (out < 0 || k < 0 || k >= static_cast<int>(n.inputs.size()) || n.inputs[k] < 0) return false;
  const int in = n.inputs[k];
  const Slot& so = plan.slots[out];
  const Slot& si = plan.slots[in];
  if (so.kind != SlotKind::Arena || si.kind != SlotKind::Arena) return false;
  if (so.layout != si.layout || slot_held_bytes(so) != slot_held_bytes(si)) return false;
  if (sharing.mode == OutputSharing::Mode::View) return so.layout == Layout::Plain;
  // InPlace.
  const int group = groups.of[in];
  if (so.info.dtype != si.info.dtype || groups.last_read[group] > step) return false;
  if (!sharing.position_wise)
    for (size_t j = 0; j < n.inputs.size(); ++j)
      if (static_cast<int>(j) != k && n.inputs[j] >= 0 && groups.of[n.inputs[j]] == group) return false;
  return true;
}

}  // namespace

std::vector<int> share_buffers(ExecutionPlan& plan) {
  const size_t n_values = plan.slots.size();
  Groups groups;
  groups.of.resize(n_values);
  std::iota(groups.of.begin(), groups.of.end(), 0);
  groups.last_read.resize(n_values);
  for (size_t v = 0; v < n_values; ++v) groups.last_read[v] = plan.slots[v].last_step;

  for (int s = 0; s < static_cast<int>(plan.steps.size()); ++s) {
    Step& step = plan.steps[s];
    if (step.dynamic || !step.kernel) continue;
    const OutputSharing sharing = step.kernel->output_sharing();
    if (sharing.mode == OutputSharing::Mode::None) continue;
    const Node& n = plan.graph.nodes[step.node];
    int chosen = -1;
    for (int k : sharing.inputs)
      if (can_share(plan, groups, s, n, sharing, k)) {
        chosen = k;
        break;
      }
    if (chosen >= 0) {
      const int out = n.outputs[0], group = groups.of[n.inputs[chosen]];
      groups.of[out] = group;
      groups.last_read[group] = std::max(groups.last_read[group], plan.slots[out].last_step);
    }
    step.kernel->set_output_shared(chosen);
    // A view moves nothing: its layer reports no bytes (the op's cost assumed a copy).
    if (chosen >= 0 && sharing.mode == OutputSharing::Mode::View) step.cost = Cost{};
  }
  return groups.of;
}

}  // namespace layerscope
