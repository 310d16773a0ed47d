// Helpers shared by the SDPAttention pass tests (fuse_attention_test.cpp, attention_views_test.cpp,
// attention_qkv_slices_test.cpp): attribute builders, the kernel the planner picks and the
// reference-kernel oracle check.
#pragma once
#include "pass_test_util.h"

namespace layerscope::testing {

// The kernel the planner gives an SDPAttention node: native:flash_sdpa where it is built
// (AVX-512, kernels/native/flash_attention.cpp), else native:sdpa.
#if defined(__AVX512F__)
inline constexpr const char* kAttentionKernel = "native:flash_sdpa";
#else
inline constexpr const char* kAttentionKernel = "native:sdpa";
#endif

inline Attributes perm_attr(std::vector<int64_t> p) {
  Attributes a;
  a.set("perm", std::move(p));
  return a;
}

inline Attributes axis_attr(int64_t a) {
  Attributes at;
  at.set("axis", a);
  return at;
}

// The fused plan is one SDPAttention step reading graph inputs only: its reference kernel, run
// on those inputs, must match the unfused plan. The views the reference materialises (with the
// Slice / Reshape / Transpose / Gather references) are the ones the removed nodes computed.
inline void expect_reference_matches_unfused(GraphBuilder& b) {
  ExecutionPlan fused = plan_of(b, true);
  ASSERT_EQ(fused.steps.size(), 1u);
  const Node& n = step_node(fused, 0);
  std::vector<Tensor> inputs;
  for (int v : b.graph().inputs) inputs.push_back(b.random_f32(b.binding().at(b.graph().values[v].name).shape));
  std::vector<const Tensor*> in;
  for (int v : n.inputs) {
    const std::string& name = fused.graph.values[v].name;
    for (size_t k = 0; k < b.graph().inputs.size(); ++k)
      if (b.graph().values[b.graph().inputs[k]].name == name) in.push_back(&inputs[k]);
  }
  ASSERT_EQ(in.size(), n.inputs.size()) << "the fused node reads only graph inputs here";
  std::vector<Tensor> want = Executor(plan_of(b, false)).run(inputs);
  Tensor got(DType::F32, want[0].shape());
  Tensor* out[] = {&got};
  Registry::builtin().find_op(n.domain, n.op_type, 1)->reference(n, in, out);
  for (int64_t i = 0; i < got.numel(); ++i)
    ASSERT_NEAR(got.data_as<float>()[i], want[0].data_as<float>()[i], 1e-5) << "element " << i;
}

}  // namespace layerscope::testing
