// OpDef: everything the runtime knows about one ONNX operator (for a range of opset versions):
//   infer()     pure shape/dtype inference (may read constant input values, e.g. Reshape's shape)
//   cost()      multiply-accumulates and bytes moved, for the profiler and the roofline
//   reference   a straightforward kernel: the correctness oracle and the fallback implementation
//   attributes  the attributes the op accepts, with their ONNX types (per opset range)
//   traits      what the op is (position-wise, pure data movement, an activation a convolution
//               or matmul can absorb, a fused op's core): passes, kernels and findings read them
//               here and keep no lists of op names of their own
// Faster kernels for the same op are registered separately as KernelDefs (kernels/kernel.h).
#pragma once
#include <climits>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "ops/post_op.h"

namespace layerscope {

// Static facts about a tensor during planning. A sequence or optional value (the Sequence and
// Optional ops, If/Loop bodies) has `type` saying so, `dtype` its element type and no shape.
struct TensorInfo {
  TensorInfo() = default;
  TensorInfo(DType d, Shape s, ValueType t = {}) : dtype(d), shape(std::move(s)), type(t) {}
  DType dtype = DType::Undefined;
  Shape shape;
  ValueType type = {};
  int64_t bytes() const { return shape_numel(shape) * static_cast<int64_t>(dtype_size(dtype)); }
};

// What infer() sees of a node: its attributes, its inputs' types and shapes, and the values of
// the inputs its OpDef declares it reads (OpDef::value_inputs), which the planner guarantees
// are known before it calls infer().
class InferContext {
 public:
  // `values`: per input, its contents when known (constants; every input at run time), else
  // nullptr. `value_inputs`: the inputs whose values infer() may read (OpDef::value_inputs).
  InferContext(const Node& node, std::vector<TensorInfo> inputs, std::vector<const Tensor*> values,
               std::vector<int> value_inputs = {})
      : node_(node),
        in_(std::move(inputs)),
        values_(std::move(values)),
        value_inputs_(std::move(value_inputs)),
        out_(node.outputs.size()) {}

  const Node& node() const { return node_; }
  const Attributes& attrs() const { return node_.attrs; }
  int num_inputs() const { return static_cast<int>(in_.size()); }
  int num_outputs() const { return static_cast<int>(out_.size()); }
  bool has_input(int i) const { return i < num_inputs() && node_.inputs[i] >= 0; }
  // Inputs and outputs are counted by the file, not by the op: reading past them is an error
  // naming the node, never an out-of-range exception.
  const TensorInfo& input(int i) const {
    if (i < 0 || i >= num_inputs()) error("expected an input ", i, " but the node has ", num_inputs(), " inputs");
    return in_[i];
  }
  DType dtype(int i) const { return input(i).dtype; }
  const Shape& shape(int i) const { return input(i).shape; }
  int rank(int i) const { return static_cast<int>(input(i).shape.size()); }

  // The contents of input i, one of the declared value inputs. Reading an undeclared input, or
  // a declared one the caller did not supply, is a bug of the op or of its caller (Error).
  const Tensor& value(int i) const;
  // The contents of input i when known now, else nullptr: for checks that can wait until run
  // time (an axis's range, say); any input, declared or not.
  const Tensor* value_if_known(int i) const { return has_input(i) ? values_.at(i) : nullptr; }
  // An integer input (int32/int64) read as int64 values.
  std::vector<int64_t> int_values(int i) const;

  void set_output(int i, DType dtype, Shape shape) { output_slot(i) = TensorInfo{dtype, std::move(shape)}; }
  // A sequence or optional output (ops with run_values): its type and element type.
  void set_output_type(int i, ValueType type, DType elem) { output_slot(i) = TensorInfo{elem, {}, type}; }
  // Input i's type (a tensor, sequence or optional; an omitted input counts as a tensor).
  const ValueType& type(int i) const { return input(i).type; }
  // Also states the output's contents when they follow from shapes alone (Shape, Size of a
  // tensor whose shape is known): the planner then folds the node even though its input is
  // not a constant, which is what lets the Shape->Gather->Concat->Reshape chains of exports fold.
  void set_output_value(int i, Tensor value) {
    output_slot(i) = TensorInfo{value.dtype(), value.shape()};
    out_values_.resize(out_.size());
    out_values_[i] = std::move(value);
  }
  // Values given with set_output_value (empty when none).
  const std::vector<Tensor>& output_values() const { return out_values_; }
  const std::vector<TensorInfo>& outputs() const { return out_; }
  const std::vector<TensorInfo>& inputs() const { return in_; }

  // Throws Error("'Op' node 'name' (opset N): <parts>").
  template <typename... A>
  [[noreturn]] void error(const A&... parts) const {
    fail(Graph::describe(node_), ": ", parts...);
  }
  // Common checks with uniform messages.
  void expect_inputs(int min, int max) const;
  void expect_dtype_in(int i, std::initializer_list<DType> allowed) const;

 private:
  TensorInfo& output_slot(int i) {
    if (i < 0 || i >= num_outputs()) error("produces an output ", i, " but the node lists ", num_outputs(), " outputs");
    return out_[i];
  }

  const Node& node_;
  std::vector<TensorInfo> in_;
  std::vector<const Tensor*> values_;
  std::vector<int> value_inputs_;
  std::vector<TensorInfo> out_;
  std::vector<Tensor> out_values_;
};

// Work done by one execution of a node. Bytes count every input (weights included) read once
// and every output written once: the minimum traffic, which is what the roofline needs.
struct Cost {
  double macs = 0;       // multiply-accumulates (1 MAC = 2 FLOPs)
  double other_ops = 0;  // non-MAC arithmetic (elementwise math, comparisons, exp, ...)
  int64_t bytes_read = 0;
  int64_t bytes_written = 0;
};

struct CostContext {
  const Node& node;
  const std::vector<TensorInfo>& inputs;  // omitted optional inputs have dtype Undefined
  const std::vector<TensorInfo>& outputs;
};

using InferFn = std::function<void(InferContext&)>;
using CostFn = std::function<Cost(const CostContext&)>;
// Reference kernel: outputs are already allocated with the inferred dtype and shape;
// omitted optional inputs are nullptr.
using RefKernelFn = std::function<void(const Node&, std::span<const Tensor* const>, std::span<Tensor* const>)>;

// Runs one of a node's bodies (a GRAPH attribute's graph) on concrete inputs, in the body's input
// order, and returns its outputs (tensors, sequences or optionals). The executor supplies it
// (runtime/body_plans.h): it plans the body for these input types and shapes (cached) and runs it
// in the caller's thread and OpenMP context.
using BodyRunner = std::function<std::vector<AnyValue>(const Graph& body, const std::vector<AnyValue>& inputs)>;
// A kernel over values of any kind (OpDef::run_values): inputs as the executor holds them
// (nullptr for an omitted one); `outputs` point at unset values that it assigns (their shapes,
// and a sequence's length, are known only once it ran). `bodies` runs the node's bodies.
using ValueKernelFn =
    std::function<void(const Node&, std::span<const AnyValue* const>, std::span<AnyValue* const>, const BodyRunner&)>;

// The ONNX type of an attribute (AttributeProto.AttributeType); GRAPH also stands for GRAPHS,
// which the loader decodes to the same marker (with no graph; no supported op takes one).
// TYPE_PROTO: a value type (Optional's `type`), decoded to TypeAttr.
enum class AttrType { INT, FLOAT, STRING, INTS, FLOATS, STRINGS, TENSOR, GRAPH, TYPE_PROTO };
const char* attr_type_name(AttrType t);  // "INTS"

// One attribute an op accepts, for the opsets [since, until] of the op where the spec has it
// (e.g. Resize's antialias from 18, BatchNormalization's spatial until 8).
struct AttrSpec {
  std::string name;
  AttrType type;
  int since = 1;
  int until = INT_MAX;
  bool applies(int opset) const { return opset >= since && opset <= until; }
};

// consumed_inputs (opsets 1-5 of many ops): an in-place memory hint of ONNX's first versions
// that never changed a result, so it is accepted and ignored.
inline AttrSpec legacy_consumed_inputs() { return {"consumed_inputs", AttrType::INTS, 1, 5}; }

// The activation trait (OpDef::activation): y = f(x) on input 0, which a convolution or matmul
// can apply to its output as post-ops (passes/fuse_conv.cpp and fuse_matmul_bias.cpp fuse it,
// ops/fused/ registers a fused op for every op with this trait, kernels/onednn/post_ops.cpp
// turns the steps into oneDNN post-ops).
struct ActivationTrait {
  // f as post-op steps for a node with attributes `attrs`: the activation node's own, or those
  // a fused node carries for it (see attributes_of), defaults filled in.
  std::function<PostOps(const Attributes& attrs)> post_ops;
  // Only for ops whose parameters are inputs (Clip from opset 11): node n's parameters, from
  // its constant inputs (`inputs`, nullptr where not constant), as the attributes that this
  // op's definition at opset `attributes_opset` takes (Clip-6's min and max); nullopt when one
  // is known only at run time. Unset: n's own attributes.
  std::function<std::optional<Attributes>(const Node& n, std::span<const Tensor* const> inputs)> attributes_of =
      nullptr;
  int attributes_opset = 0;
};

// The fusion trait of a fused op (OpDef::fusion): the ONNX op at its core and the activation it
// ends with, so that the core op's kernels can serve every fused variant without a list of them.
struct FusionTrait {
  std::string core;  // "Conv" (ConvAdd, ConvRelu, ...), "MatMul" (MatMulAdd*), "Gemm" (Gemm<Act>)
  // The absorbed activation's post-ops for a node of this op (which carries the activation's
  // attributes); unset when the fused op ends without one (ConvAdd, MatMulAdd).
  std::function<PostOps(const Attributes& attrs)> activation = nullptr;
};

struct OpDef {
  std::string op_type;
  std::string domain;   // "" = ai.onnx
  int since = 1;        // first opset version this definition covers
  int until = INT_MAX;  // last opset version it covers
  InferFn infer;
  CostFn cost;  // optional: default counts bytes only
  RefKernelFn reference;
  // Every attribute the op accepts (names and types from the ONNX spec, checked against it by
  // tests/op_attributes; for fused ops, what the passes that create them set). The planner
  // refuses a node with any other (attribute_problem), so a misspelt 'pads' is an error
  // instead of a silently unpadded convolution.
  std::vector<AttrSpec> attributes;
  // The inputs whose *values* infer() reads (Reshape's shape, Slice's starts to steps): the
  // planner calls infer() only once every such input present is known (a constant) and
  // otherwise marks the node dynamic (inferred and run anew in each run); InferContext::value()
  // refuses any other input. Shape inference asks for values; it never fails for want of one.
  std::vector<int> value_inputs = {};

  // ---- Traits: what the op is ----
  // Position-wise: each output element is f of the same-index elements of the inputs, computed
  // in input 0's element type (float arithmetic and activations), or converted to another type
  // element by element (QuantizeLinear, DequantizeLinear, the QLinear elementwise ops with
  // one scale and zero point per tensor). Given inputs of the output's
  // shape or single values, any buffer layout with one slot per element passes through it
  // unchanged (passes/layout_rules.cpp).
  bool position_wise = false;
  // Pure data movement: copies, reorders, reindexes or converts elements, no arithmetic; a
  // finding reports the time such layers take (analysis/findings_kernels.cpp).
  bool data_movement = false;
  // An activation a convolution or matmul can absorb (see ActivationTrait).
  std::optional<ActivationTrait> activation = {};
  // Fused ops only (see FusionTrait).
  std::optional<FusionTrait> fusion = {};
  // Ops over values of any kind: control flow (If, Loop, Scan run their bodies), the Sequence and
  // Optional ops (ops/sequence/), Identity (of a sequence too). When such a node is a dynamic
  // step, the executor calls infer() (checks; output types) with the inputs as they are, then
  // this instead of `reference` (runtime/value_steps.cpp).
  ValueKernelFn run_values = nullptr;
  // Never a static step, never folded: control flow (a Loop may run for as long as its inputs
  // say; output shapes are known only by running it) and the ops that make or read sequences
  // and optionals, which live beside the tensors, outside the arena.
  bool always_dynamic = false;
  // With all inputs constant, still kept as a node until the graph passes ran, then folded:
  // DequantizeLinear of int8 weights, whose quantized values and scales the int8 passes read
  // (folded first, they would see only the float weights).
  bool fold_after_passes = false;
  // Runs the float8 (FLOAT8E4M3FN, ...) and 4-bit integer (INT4, UINT4) types: the conversions
  // Cast, CastLike, QuantizeLinear and DequantizeLinear. infer_node() refuses any other op an input
  // or output of these types reaches, naming the node, the op and the type: no other kernel or
  // reference computes in them.
  bool narrow_types = false;
};

// True when node `n` has an input that `def` declares in value_inputs whose value is not in
// `values` (per input, nullptr when not known): its shapes must wait until run time.
bool needs_run_time_values(const OpDef& def, const Node& n, const std::vector<const Tensor*>& values);
// An InferContext for node `n` of `def` (its declared value inputs).
inline InferContext infer_context(const OpDef& def, const Node& n, std::vector<TensorInfo> inputs,
                                  std::vector<const Tensor*> values) {
  return InferContext(n, std::move(inputs), std::move(values), def.value_inputs);
}

// Runs def.infer(ctx), refusing a node of an op without OpDef::narrow_types whose input or output
// is float8 or INT4/UINT4 (inputs before infer(), outputs after). Every caller of infer() (the
// planner, dynamic and value steps) goes through it.
void infer_node(const OpDef& def, InferContext& ctx);

// The attributes `def` accepts at `opset`, valid at every opset: what a fused op (whose nodes
// are opset 1 of their own domain) inherits from an ONNX op it stands for.
std::vector<AttrSpec> attributes_at(const OpDef& def, int opset);

// Empty when every attribute of `n` is one `def` declares for n.opset, with the declared type;
// else what is wrong: "unknown attribute 'padz'; Conv accepts auto_pad, dilations, ..." or
// "attribute 'pads' is FLOAT, expected INTS". `versions` (every OpDef of the op) lets an
// attribute of other opsets say where it belongs: "unknown attribute 'antialias' (accepted
// in opsets 18 and later); ...". OpRegistry::attribute_problem supplies them.
std::string attribute_problem(const OpDef& def, const Node& n, std::span<const OpDef> versions = {});

// Bytes-only cost: read every input once, write every output once.
Cost bytes_only_cost(const CostContext& c);
// The cost of one execution of `def`'s node: its cost function's, else bytes_only_cost.
inline Cost op_cost(const OpDef& def, const CostContext& c) { return def.cost ? def.cost(c) : bytes_only_cost(c); }

}  // namespace layerscope
