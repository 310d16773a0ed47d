// make_reference_kernel: an OpDef's reference function as a Kernel (name "ref"), the last
// resort of kernel choice. It keeps what it runs by value: the function, and a copy of the node
// (attributes included), so nothing points into a graph that the planner later moves.
#include "kernels/kernel.h"

namespace layerscope {
namespace {

class ReferenceKernel final : public Kernel {
 public:
  explicit ReferenceKernel(RefKernelFn reference) : reference_(std::move(reference)) {}
  std::string name() const override { return "ref"; }
  void prepare(const KernelSetup& s) override { node_ = s.node; }
  void execute(std::span<const Tensor* const> in, std::span<Tensor* const> out, void*) override {
    reference_(node_, in, out);
  }

 private:
  RefKernelFn reference_;
  Node node_;
};

}  // namespace

std::unique_ptr<Kernel> make_reference_kernel(const OpDef& def) {
  return std::make_unique<ReferenceKernel>(def.reference);
}

}  // namespace layerscope
