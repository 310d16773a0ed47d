#include "runtime/dynamic_kernels.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "ir/error.h"

namespace layerscope {
namespace {

bool same_infos(const std::vector<TensorInfo>& a, const std::vector<TensorInfo>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i].dtype != b[i].dtype || a[i].shape != b[i].shape) return false;
  return true;
}

bool same_values(const std::vector<Tensor>& kept, const std::vector<const Tensor*>& now) {
  for (size_t i = 0; i < kept.size(); ++i) {
    const Tensor* t = i < now.size() ? now[i] : nullptr;
    if (kept[i].empty() != (t == nullptr)) return false;
    if (t && (t->nbytes() != kept[i].nbytes() || std::memcmp(t->data(), kept[i].data(), t->nbytes()) != 0))
      return false;
  }
  return true;
}

bool any_empty(const std::vector<TensorInfo>& infos) {
  for (const TensorInfo& t : infos)
    if (t.dtype != DType::Undefined && shape_numel(t.shape) == 0) return true;
  return false;
}

// The planner's choice (select_kernel); with an empty tensor, among the kernels that accept
// one only (the others' supports() need not even expect one).
const KernelDef* choose_kernel(const KernelRegistry& registry, const KernelSetup& s, bool empty) {
  if (!empty) return select_kernel(registry, s);
  for (const KernelDef* k : registry.kernels_for(s.node.domain, s.node.op_type))
    if (k->accepts_empty && (!k->supports || k->supports(s))) return k;
  return nullptr;
}

class ComputedByInfer final : public Kernel {
 public:
  std::string name() const override { return "infer"; }
  void execute(std::span<const Tensor* const>, std::span<Tensor* const>, void*) override {}
};

}  // namespace

const Kernel& DynamicKernels::computed_by_infer() {
  static const ComputedByInfer kernel;
  return kernel;
}

DynamicKernels::Entry& DynamicKernels::get(const Registry& registry, const OpDef& op, const Node& node,
                                           const std::vector<TensorInfo>& inputs,
                                           const std::vector<TensorInfo>& outputs,
                                           const std::vector<const Tensor*>& constants,
                                           const std::vector<const Tensor*>& run_values, int threads) {
  ++clock_;
  for (auto& e : entries_)
    if (same_infos(e->inputs, inputs) && same_infos(e->outputs, outputs) && same_values(e->values, run_values)) {
      e->last_used = clock_;
      return *e;
    }
  auto e = std::make_unique<Entry>();
  e->inputs = inputs;
  e->outputs = outputs;
  e->values.resize(inputs.size());
  std::vector<const Tensor*> known = constants;
  for (size_t i = 0; i < run_values.size() && i < known.size(); ++i)
    if (run_values[i] && !known[i]) {
      e->values[i] = run_values[i]->clone();
      known[i] = &e->values[i];
    }
  // Values of a dynamic step are Plain (the layout pass leaves them so): no layouts to pass.
  KernelSetup setup{node, e->inputs, known, e->outputs, threads};
  const KernelDef* def = choose_kernel(registry, setup, any_empty(inputs) || any_empty(outputs));
  e->kernel = def ? def->create() : make_reference_kernel(op);
  e->kernel->prepare(setup);
  if (const size_t bytes = e->kernel->scratch_bytes()) {
    const size_t rounded = (bytes + 63) / 64 * 64;
    e->scratch.reset(static_cast<char*>(std::aligned_alloc(64, rounded)));
    LS_CHECK(e->scratch != nullptr, Graph::describe(node), ": out of memory allocating ", rounded,
             " bytes of kernel scratch");
  }
  CostContext cc{node, e->inputs, e->outputs};
  e->cost = op_cost(op, cc);
  e->last_used = clock_;
  if (entries_.size() >= kMaxEntries) {
    auto oldest = std::min_element(entries_.begin(), entries_.end(),
                                   [](const auto& a, const auto& b) { return a->last_used < b->last_used; });
    *oldest = std::move(e);
    return **oldest;
  }
  entries_.push_back(std::move(e));
  return *entries_.back();
}

}  // namespace layerscope
