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
// The values of the inputs an op reads to infer its shapes (OpDef::value_inputs: a Slice's
// starts, a TopK's k) are part of the signature and reach prepare() as constants, as they
// would in a static plan: a kernel that needs them known (native:slice) serves dynamic steps too.
//
// Tensors with no elements go to the reference kernel unless the chosen kernel says it handles
// them (KernelDef::accepts_empty): fast kernels (oneDNN's primitives) are not required to accept
// empty dimensions.
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
    std::vector<Tensor> values;  // per input: a copy of its run value (see get), else empty
    std::unique_ptr<Kernel> kernel;
    std::unique_ptr<char, void (*)(void*)> scratch{nullptr, std::free};
    Cost cost;
    uint64_t last_used = 0;
  };

  // Shape signatures kept per step.
  static constexpr size_t kMaxEntries = 8;

  // The kernel prepared for these input and output shapes (inferred for this run), chosen and
  // prepared on first sight. `constants` holds, per input, its value if it is a constant of
  // the graph (weights to pack), else nullptr; `run_values`, per input, this run's value if the
  // op reads it to infer (a few elements: kRunValueLimit), else nullptr.
  Entry& get(const Registry& registry, const OpDef& op, const Node& node, const std::vector<TensorInfo>& inputs,
             const std::vector<TensorInfo>& outputs, const std::vector<const Tensor*>& constants,
             const std::vector<const Tensor*>& run_values, int threads);

  // Elements up to which a value input's run value joins the signature (starts, axes, k: a few).
  static constexpr int64_t kRunValueLimit = 64;

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
