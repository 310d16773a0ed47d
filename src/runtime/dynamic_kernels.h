// DynamicKernels: the kernels of a dynamic step — a node whose shapes are known only at run
// time, such as every layer after a NonMaxSuppression, whose box count depends on the image.
// Such a step used to run its op's reference kernel on every run, so a detector's box head
// (Gemm over the surviving proposals) ran a naive triple loop: the profile then blamed the
// user's model for our runtime's gap. Now each run's shapes choose and prepare a kernel
// exactly as the planner does for a static node (same registry, same supports() checks, the
// node's constant inputs for packing), and the prepared kernel is kept for the next run with
// the same shapes. A few shape signatures are kept per step, the least recently used evicted:
// a detector sees a different box count per image, and re-preparing is cheaper than a naive
// kernel but not free.
//
// Tensors with no elements go to the reference kernel: fast kernels (oneDNN's primitives) are
// not required to accept empty dimensions, and there is nothing to compute.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "kernels/kernel.h"
#include "registry/registry.h"

namespace layerscope {

class DynamicKernels {
 public:
  // One prepared kernel: the shapes it was prepared for, its scratch and its cost.
  struct Entry {
    std::vector<TensorInfo> inputs, outputs;
    std::unique_ptr<Kernel> kernel;
    std::unique_ptr<char, void (*)(void*)> scratch{nullptr, std::free};
    Cost cost;
    uint64_t last_used = 0;
  };

  // Shape signatures kept per step.
  static constexpr size_t kMaxEntries = 8;

  // The kernel prepared for these input and output shapes (inferred for this run), chosen and
  // prepared on first sight. `constants` holds, per input, its value if it is a constant of
  // the graph (weights to pack), else nullptr.
  Entry& get(const Registry& registry, const OpDef& op, const Node& node, const std::vector<TensorInfo>& inputs,
             const std::vector<TensorInfo>& outputs, const std::vector<const Tensor*>& constants, int threads);

  size_t size() const { return entries_.size(); }

  // The stand-in kernel (name "infer") of a step whose shape inference stated its outputs'
  // values (InferContext::set_output_value): ops whose output shape is their result
  // (NonMaxSuppression, Unique) compute it once, while inferring, instead of twice.
  static const Kernel& computed_by_infer();

 private:
  std::vector<std::unique_ptr<Entry>> entries_;
  uint64_t clock_ = 0;
};

}  // namespace layerscope
