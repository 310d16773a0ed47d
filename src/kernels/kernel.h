// Kernel: an implementation of one op, chosen per node at plan time (kernels are data: several
// may serve one op, each says what it supports and has a priority; the reference kernel from
// the OpDef is always the last resort). Lifecycle:
//   prepare()  once per plan, with every input shape known: pack weights, build primitives,
//              and report scratch bytes;
//   execute()  per run: no allocation; inputs/outputs/scratch are provided.
#pragma once
#include <memory>
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
  virtual void execute(std::span<const Tensor* const> inputs, std::span<Tensor* const> outputs,
                       void* scratch) = 0;
};

struct KernelDef {
  std::string op_type;
  std::string domain;  // "" = ai.onnx
  std::string name;    // family name, e.g. "onednn:conv"
  int priority = 0;    // higher wins among kernels whose supports() is true
  std::function<bool(const KernelSetup&)> supports;
  std::function<std::unique_ptr<Kernel>()> create;
};

// Wraps an OpDef's reference function as a Kernel (name "ref").
std::unique_ptr<Kernel> make_reference_kernel(const OpDef& def);

}  // namespace layerscope
