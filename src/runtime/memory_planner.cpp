// Greedy-by-size offset assignment (the "greedy by size" strategy of TFLite's arena planner):
// largest blocks first, each at the lowest offset that does not overlap any already-placed
// block alive at the same time. Good results for inference graphs at O(n^2) cost.
// Values sharing a buffer (views, in-place outputs: runtime/memory_sharing.cpp) form one block
// alive from the first member's producer to the last member's last reader.
#include "runtime/memory_planner.h"

#include <algorithm>
#include <climits>

#include "runtime/memory_sharing.h"

namespace layerscope {

namespace {
constexpr size_t kAlign = 64;
size_t align_up(size_t n) { return (n + kAlign - 1) / kAlign * kAlign; }

struct Block {
  size_t bytes;
  int first, last;  // inclusive step range
  size_t* offset;   // where to write the result
};

// Blocks start empty (bytes 0, first INT_MAX, last -1) and grow to cover their members.
void cover(Block& b, size_t bytes, int first, int last) {
  b.bytes = std::max(b.bytes, bytes);
  b.first = std::min(b.first, first);
  b.last = std::max(b.last, last);
}
}  // namespace

void plan_memory(ExecutionPlan& plan) {
  const int n_steps = static_cast<int>(plan.steps.size());
  const Graph& g = plan.graph;
  for (int s = 0; s < n_steps; ++s) {
    const Node& n = g.nodes[plan.steps[s].node];
    for (int o : n.outputs)
      if (o >= 0) plan.slots[o].first_step = plan.slots[o].last_step = s;
    for (int v : n.inputs)
      if (v >= 0) plan.slots[v].last_step = std::max(plan.slots[v].last_step, s);
  }
  for (int o : g.outputs) plan.slots[o].last_step = INT_MAX;

  const std::vector<int> group = share_buffers(plan);
  // One block per group owner, found through block_of; members copy the owner's offset below.
  std::vector<Block> blocks;
  std::vector<int> block_of(plan.slots.size(), -1);
  plan.naive_activation_bytes = 0;
  for (size_t v = 0; v < plan.slots.size(); ++v) {
    Slot& slot = plan.slots[v];
    if (slot.kind != SlotKind::Arena) continue;
    // Blocked layouts (nChw16c, ...) hold their zero channel padding too.
    const int64_t held = slot_held_bytes(slot);
    plan.naive_activation_bytes += static_cast<size_t>(held);  // every tensor, shared or not
    int& b = block_of[group[v]];
    if (b < 0) {
      b = static_cast<int>(blocks.size());
      blocks.push_back({0, INT_MAX, -1, &plan.slots[group[v]].offset});
    }
    cover(blocks[b], align_up(static_cast<size_t>(std::max<int64_t>(held, 1))), slot.first_step,
          std::min(slot.last_step, n_steps));
  }
  for (int s = 0; s < n_steps; ++s) {
    Step& step = plan.steps[s];
    if (step.scratch_bytes) blocks.push_back({align_up(step.scratch_bytes), s, s, &step.scratch_offset});
  }
  std::stable_sort(blocks.begin(), blocks.end(), [](const Block& a, const Block& b) { return a.bytes > b.bytes; });

  std::vector<const Block*> placed;
  size_t arena = 0;
  for (Block& b : blocks) {
    // Candidate offsets: 0 and the end of every placed block alive at the same time.
    std::vector<std::pair<size_t, size_t>> busy;
    for (const Block* p : placed)
      if (p->first <= b.last && b.first <= p->last) busy.emplace_back(*p->offset, *p->offset + p->bytes);
    std::sort(busy.begin(), busy.end());
    size_t offset = 0;
    for (const auto& [lo, hi] : busy) {
      if (offset + b.bytes <= lo) break;
      offset = std::max(offset, hi);
    }
    *b.offset = offset;
    arena = std::max(arena, offset + b.bytes);
    placed.push_back(&b);
  }
  plan.arena_bytes = arena;
  // Every member of a group sits at its owner's offset.
  for (size_t v = 0; v < plan.slots.size(); ++v) {
    Slot& slot = plan.slots[v];
    if (slot.kind != SlotKind::Arena) continue;
    slot.buffer = group[v];
    slot.offset = plan.slots[group[v]].offset;
  }

  // Dynamic tensors are heap-allocated per run and released after their last use.
  for (size_t v = 0; v < plan.slots.size(); ++v) {
    const Slot& slot = plan.slots[v];
    if (slot.kind == SlotKind::Dynamic && slot.last_step >= 0 && slot.last_step < n_steps)
      plan.steps[slot.last_step].release_after.push_back(static_cast<int>(v));
  }
}

}  // namespace layerscope
