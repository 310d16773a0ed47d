// Shared plumbing of the oneDNN-backed kernels: the process-wide engine/stream, memory
// descriptor helpers, the implementation-name helper and `Runner`, which owns one primitive
// with handle-less memory objects whose data pointers are patched on every run (so execute()
// allocates nothing on our side).
//
// Every kernel follows the same pattern: a file-local "build" function turns a KernelSetup
// into a primitive descriptor (throwing dnnl::error when oneDNN has no implementation);
// supports() is that function inside try/catch, prepare() calls it again and creates the
// primitive. All primitives use a user-provided scratchpad (scratch_bytes()).
#pragma once
#include <oneapi/dnnl/dnnl.hpp>
#include <string>
#include <utility>
#include <vector>

#include "ir/error.h"
#include "kernels/kernel.h"
#include "kernels/kernel_registry.h"

namespace layerscope::onednn {

using dims = dnnl::memory::dims;

dnnl::engine& engine();
dnnl::stream& stream();

// Shape -> oneDNN dims (a scalar becomes {1}: oneDNN has no rank-0 tensors).
dims to_dims(const Shape& s);
// f32 descriptor with row-major strides.
dnnl::memory::desc plain_md(const dims& d);
// f32 descriptor with explicit strides (transposed views, broadcast-free re-layouts).
dnnl::memory::desc strided_md(const dims& d, const dims& strides);
// Attributes every kernel starts from: user-managed scratchpad.
dnnl::primitive_attr base_attr();
// "onednn:" + the implementation oneDNN picked, e.g. "onednn:brg:avx512_core".
std::string impl_name(const dnnl::primitive_desc_base& pd);
// Throws Error when oneDNN could only offer a "ref" implementation: those are generic
// per-element loops, measured 5x-250x slower than this project's reference kernels (e.g. a
// Gemm with an [M, N] bias, softmax over a non-innermost axis, dilated max pooling), so the
// kernel declines the node and the reference runs instead.
void require_optimized(const dnnl::primitive_desc_base& pd);

// Checks used by supports(): present inputs/outputs of the listed indices are float32, and
// no present input or output is empty (oneDNN rejects zero-sized dims in most primitives).
bool inputs_f32(const KernelSetup& s, std::initializer_list<int> idx);
bool outputs_f32(const KernelSetup& s);
bool any_empty(const KernelSetup& s);
bool has_input(const KernelSetup& s, int i);
// True when output i exists and is consumed (the node lists a value for it).
bool has_output(const KernelSetup& s, int i);
// Runs f() and reports whether it succeeded without a dnnl::error or layerscope::Error.
template <typename F>
bool succeeds(F&& f) {
  try {
    f();
    return true;
  } catch (const dnnl::error&) {
    return false;
  } catch (const Error&) {
    return false;
  }
}

// Sets the OpenMP thread count for the current scope: primitives pick their blocking and
// thread decomposition at creation, so creation must see the count the run will use.
class ThreadScope {
 public:
  explicit ThreadScope(int threads);
  ~ThreadScope();
  ThreadScope(const ThreadScope&) = delete;
  ThreadScope& operator=(const ThreadScope&) = delete;

 private:
  int saved_;
};

// Copies `data` (laid out as `from`) into a new oneDNN-owned buffer laid out as `to`
// (typically a primitive's preferred weights format). Runs once at prepare time.
dnnl::memory reorder_to(const dnnl::memory::desc& from, const void* data, const dnnl::memory::desc& to);

// One primitive plus its arguments. Arguments are registered once (prepare) and their data
// pointers are set per run with set(); the arg array handed to oneDNN is built once.
class Runner {
 public:
  // Takes the primitive created from `pd` and registers the scratchpad argument.
  void init(dnnl::primitive prim, const dnnl::primitive_desc_base& pd);
  // A handle-less memory for `arg`, to be pointed at executor buffers with set().
  void bind(int arg, const dnnl::memory::desc& md);
  // A memory owned by the kernel (packed weights, folded bias): never re-pointed.
  void bind_owned(int arg, dnnl::memory m);
  void set(int arg, const void* data);
  // Executes on the global stream with `scratch` (scratch_bytes() bytes) as scratchpad.
  void run(void* scratch);
  size_t scratch_bytes() const { return scratch_bytes_; }
  const std::string& name() const { return name_; }

 private:
  dnnl::memory& find(int arg);
  dnnl::primitive prim_;
  std::vector<std::pair<int, dnnl::memory>> mems_;
  std::vector<dnnl_exec_arg_t> args_;
  size_t scratch_bytes_ = 0;
  std::string name_;
};

// Base for the oneDNN kernels: name/scratch/packed bytes come from the Runner.
class OnednnKernel : public Kernel {
 public:
  std::string name() const override { return runner_.name(); }
  size_t scratch_bytes() const override { return runner_.scratch_bytes(); }
  size_t packed_weight_bytes() const override { return packed_bytes_; }
  bool reads_input_at_run(int input) const override {
    for (int k : packed_inputs_)
      if (k == input) return false;
    return true;
  }

 protected:
  // Records that constant input `input` now lives (packed) inside the kernel.
  void mark_packed(int input) { packed_inputs_.push_back(input); }
  Runner runner_;
  size_t packed_bytes_ = 0;
  std::vector<int> packed_inputs_;
};

// A primitive with one source and one destination (pooling, resampling, reduction): the
// subclass builds it in prepare() and calls init_src_dst(); execute() is shared.
class SrcDstKernel : public OnednnKernel {
 public:
  void execute(std::span<const Tensor* const> in, std::span<Tensor* const> out, void* scratch) override {
    runner_.set(DNNL_ARG_SRC, in[0]->data());
    runner_.set(DNNL_ARG_DST, out[0]->data());
    runner_.run(scratch);
  }

 protected:
  template <typename Primitive, typename Pd>
  void init_src_dst(const Pd& pd, const dnnl::memory::desc& src, const dnnl::memory::desc& dst) {
    runner_.init(Primitive(pd), pd);
    runner_.bind(DNNL_ARG_SRC, src);
    runner_.bind(DNNL_ARG_DST, dst);
  }
};

// A KernelDef with the shared conventions (domain "", name "onednn:" + family, priority 100),
// for callers that set more (a fused op's domain, layout hooks) before registering it.
KernelDef kernel_def(const std::string& op_type, const std::string& family,
                     std::function<bool(const KernelSetup&)> supports, std::function<std::unique_ptr<Kernel>()> create);
// Registers kernel_def(...) as it is.
void add_kernel(KernelRegistry& r, const std::string& op_type, const std::string& family,
                std::function<bool(const KernelSetup&)> supports, std::function<std::unique_ptr<Kernel>()> create);

}  // namespace layerscope::onednn
