// Kernel: an implementation of one op, chosen per node at plan time (kernels are data: several
// may serve one op, each says what it supports and has a priority; the reference kernel from
// the OpDef is always the last resort). Lifecycle:
//   prepare()  once per plan, with every input shape known: pack weights, build primitives,
//              and report scratch bytes;
//   execute()  per run: no allocation; inputs/outputs/scratch are provided.
#pragma once
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "ops/op_def.h"

namespace layerscope {

struct KernelSetup {
  const Node& node;
  const std::vector<TensorInfo>& inputs;
  const std::vector<const Tensor*>& constants;  // per input: its value if constant, else nullptr
  const std::vector<TensorInfo>& outputs;
  int threads;
  // Buffer layouts chosen by the layout pass (ir/layout.h), per input and output; empty means
  // all Plain. Only kernels whose KernelDef sets accepts_layouts are given anything else.
  std::vector<Layout> input_layouts = {};
  std::vector<Layout> output_layouts = {};
  Layout input_layout(size_t i) const { return i < input_layouts.size() ? input_layouts[i] : Layout::Plain; }
  Layout output_layout(size_t i) const { return i < output_layouts.size() ? output_layouts[i] : Layout::Plain; }
  bool all_plain() const {
    for (Layout l : input_layouts)
      if (l != Layout::Plain) return false;
    for (Layout l : output_layouts)
      if (l != Layout::Plain) return false;
    return true;
  }
};

// What a layout-aware kernel would choose, given a free hand, for its activation input (input
// 0) and output (output 0): the layout pass builds the graph's layouts from these answers.
struct LayoutChoice {
  Layout input = Layout::Plain;
  Layout output = Layout::Plain;
  // The kernel runs just as well on a Plain input 0 (with `output` as output): no reorder is
  // worth inserting before it (e.g. a first convolution over 3 image channels).
  bool plain_input_ok = false;
  // An input that must arrive in the output's layout (a fused residual), or -1.
  int input_like_output = -1;
  // Instead of input/output: the kernel reads input `followed_input` in whatever layout it
  // arrives in and writes that same layout (pooling after a blocked convolution); its other
  // inputs are read Plain.
  bool follows_input = false;
  // With follows_input: the input followed (a per-channel scale Mul(scale, x) follows x, input 1).
  int followed_input = 0;
  // With follows_input: every input of the output's rank is read in one layout, the one most of
  // them arrive in (Concat along channels: DenseNet's blocks concatenate blocked convolution
  // outputs); followed_input is then unused.
  bool all_inputs_follow = false;
  // Other layouts L in which the kernel runs about as fast reading input 0 and writing output 0
  // in L: when input 0 arrives in one of them, the layout pass keeps it instead of inserting a
  // Reorder (a 1x1 convolution between two Winograd 3x3 ones in nChw16c).
  std::vector<Layout> also_runs_in = {};
};

// The preference of a kernel that reads input 0 in whatever layout it arrives in and writes the
// same (pooling, a standalone BatchNormalization, Resize): KernelDef::preferred_layouts.
inline std::optional<LayoutChoice> follows_input_layout(const KernelSetup&) {
  LayoutChoice c;
  c.follows_input = true;
  return c;
}

// Buffer sharing a kernel allows between its output 0 and one of its inputs (asked after
// prepare(); the memory planner decides, runtime/memory_sharing.cpp):
//   View     output 0 is input k's bytes reinterpreted (Reshape & co.): legal even while
//            input k is read later, since values never change once produced.
//   InPlace  the kernel computes correctly when output 0's buffer IS input k's buffer (it
//            reads each element before writing it, and only there): legal only when input k
//            has no reader after this step.
// The planner checks everything else (arena slots, equal bytes and layout, lifetimes).
struct OutputSharing {
  enum class Mode { None, View, InPlace };
  Mode mode = Mode::None;
  std::vector<int> inputs;  // candidate inputs k, preferred first
  // InPlace: every input is read only at the index being written (no broadcast), so the shared
  // buffer may also feed another input of this node (Add(x, x)).
  bool position_wise = false;
};

class Kernel {
 public:
  virtual ~Kernel() = default;
  // Implementation name as shown in the profile, e.g. "onednn:brg:avx512_core" or "native:transpose".
  virtual std::string name() const = 0;
  virtual void prepare(const KernelSetup&) {}
  // Bytes of scratch memory execute() needs (known after prepare()).
  virtual size_t scratch_bytes() const { return 0; }
  // Bytes of packed weights this kernel holds (after prepare()), for the memory report.
  virtual size_t packed_weight_bytes() const { return 0; }
  // False for a constant input that prepare() copied into the kernel's own (packed) form and
  // execute() never reads: the planner then frees the original, so weights are held once.
  virtual bool reads_input_at_run(int input) const {
    (void)input;
    return true;
  }
  // What output 0 may share (see OutputSharing); asked once after prepare().
  virtual OutputSharing output_sharing() const { return {}; }
  // The memory planner's answer: output 0 shares input `input`'s buffer, or -1 (it does not).
  // Called once, before any execute(), for kernels that offered sharing; a view kernel uses it
  // to skip its copy and to name itself truthfully in the profile.
  virtual void set_output_shared(int input) { (void)input; }
  virtual void execute(std::span<const Tensor* const> inputs, std::span<Tensor* const> outputs, void* scratch) = 0;
};

struct KernelDef {
  std::string op_type;
  std::string domain;  // "" = ai.onnx
  std::string name;    // family name, e.g. "onednn:conv"
  int priority = 0;    // higher wins among kernels whose supports() is true
  std::function<bool(const KernelSetup&)> supports;
  std::function<std::unique_ptr<Kernel>()> create;
  // The kernel reads KernelSetup's layouts (its supports() checks them); kernels without it are
  // only chosen for nodes whose values are all Plain.
  bool accepts_layouts = false;
  // Optional (layout-aware kernels): the layouts this kernel prefers for a node, or nullopt
  // when it would rather keep everything Plain.
  std::function<std::optional<LayoutChoice>(const KernelSetup&)> preferred_layouts;
  // The kernel handles tensors with no elements (a dynamic step's empty selection: a Scatter of
  // no updates still copies its data). Kernels without it never see one at run time: such a
  // step goes to the reference (runtime/dynamic_kernels.h).
  bool accepts_empty = false;
};

// Wraps an OpDef's reference function as a Kernel (name "ref"; kernels/reference_kernel.cpp).
std::unique_ptr<Kernel> make_reference_kernel(const OpDef& def);

}  // namespace layerscope
