// The one kernel test harness: every registered kernel against the op's reference kernel.
//
// A case is one node and its inputs. check_kernels() infers the node's outputs with its OpDef
// (the values of constant inputs visible, as the planner gives them at plan time), runs the
// op's reference kernel (the oracle), then runs *every* kernel registered for the op whose
// supports() accepts the node -- native and oneDNN alike -- through prepare() and execute()
// (twice: a second run must agree too), and compares each output with the reference:
//   float outputs: |kernel - ref| <= tolerance * max(1, max|ref|) (or per element, max(1, |ref|);
//   the floor of 1 is an option),
//   NaN where the reference is NaN, infinities exactly;
//   int8/uint8 outputs with quant_steps > 0: within that many steps, in a few elements only;
//   every other element type, and any output when the tolerance is 0: byte for byte.
// Outputs are pre-filled with a byte pattern, so an element a kernel never writes is caught.
// Each mismatch is an ADD_FAILURE naming the node, kernel, output and element; the result
// says which kernels ran and which declined, so a test can insist that a given one ran.
// Layouts: every value Plain (layout-aware kernels are also tested in Plain; their blocked
// paths are covered by the model tests and tests/passes).
#pragma once
#include <gtest/gtest.h>

#include <algorithm>
#include <initializer_list>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "registry/registry.h"

namespace layerscope::testing {

// One input of a case: its tensor; `constant` = its value is known at plan time (an
// initializer); `omitted` = an absent optional input (the node's input index is -1).
struct CaseInput {
  Tensor t;
  bool constant = false;
  bool omitted = false;
};
inline CaseInput constant(Tensor t) { return {std::move(t), true, false}; }
inline CaseInput omitted_input() { return {Tensor(), false, true}; }

// A node "n" of (domain, op, opset) with inputs 0..n_inputs-1 and outputs after them.
Node make_node(const std::string& op, int opset, size_t n_inputs, size_t n_outputs = 1, Attributes attrs = {},
               const std::string& domain = "");

// Test tensors.
Tensor random_f32(std::mt19937& rng, Shape shape, float lo = -1.f, float hi = 1.f);
Tensor random_bytes(std::mt19937& rng, DType dtype, Shape shape);  // any element type, random bits
Tensor i64s(const std::vector<int64_t>& values);                   // 1-D int64
Tensor f32s(const std::vector<float>& values);                     // 1-D float
// A tensor of `shape` holding `values` (a test failure when their count differs).
template <typename T>
Tensor tensor(DType dtype, Shape shape, const std::vector<T>& values) {
  Tensor t(dtype, std::move(shape));
  EXPECT_EQ(static_cast<int64_t>(values.size()), t.numel()) << "test tensor size";
  std::copy(values.begin(), values.begin() + std::min<int64_t>(t.numel(), values.size()), t.data_as<T>());
  return t;
}
inline Tensor f32(Shape shape, const std::vector<float>& values) {
  return tensor<float>(DType::F32, std::move(shape), values);
}
// Attributes from {name, value} pairs.
Attributes attrs(std::initializer_list<std::pair<const char*, AttrValue>> kv);

struct CheckOptions {
  int threads = 1;
  // Relative tolerance for float outputs (accumulation order differs between kernels); 0 means
  // byte for byte, as tests of copying kernels (Transpose, Concat, Slice, ...) ask.
  double tolerance = 1e-4;
  // Scale the tolerance by each element's own max(1, |ref|) instead of the output's largest
  // (elementwise math, where every element is computed alone).
  bool per_element = false;
  // The tolerance scales with max(scale_floor, max|ref|): 1 by default, 0 for a tolerance purely
  // relative to the output's magnitude (outputs well below 1, as attention's).
  double scale_floor = 1.0;
  // int8/uint8 outputs: kernels may differ from the reference by up to this many quantization
  // steps in at most one element per thousand (float rounding of a value within float error of a
  // half step, as oneDNN's int8-source convolutions compute their compensation); 0 = exact.
  int quant_steps = 0;
  // Only kernels whose registered name starts with this prefix ("" = all).
  std::string only = "";
};

struct KernelRun {
  std::string registered;      // KernelDef::name, e.g. "onednn:conv"
  std::string implementation;  // Kernel::name() after prepare(), e.g. "onednn:brgconv:avx512_core"
  size_t scratch_bytes = 0;    // Kernel::scratch_bytes() after prepare()
};

struct KernelCheck {
  std::vector<TensorInfo> outputs;  // as the OpDef inferred them
  std::vector<Tensor> reference;    // the reference kernel's outputs (empty tensor = output not wired)
  std::vector<KernelRun> ran;       // kernels that accepted the node, ran and were compared
  std::vector<std::string> declined;
  // The first kernel that ran whose registered name starts with `prefix`, or nullptr.
  const KernelRun* find(std::string_view prefix) const;
  bool ran_kernel(std::string_view prefix) const { return find(prefix) != nullptr; }
};

KernelCheck check_kernels(const Node& node, const std::vector<CaseInput>& inputs, const CheckOptions& options = {});

// Runs only the kernel registered as `kernel` and returns its outputs, without comparing: for
// tests that assert exact values or errors. Throws Error when no such kernel accepts the node.
std::vector<Tensor> run_kernel(const std::string& kernel, const Node& node, const std::vector<CaseInput>& inputs,
                               int threads = 1);

}  // namespace layerscope::testing
