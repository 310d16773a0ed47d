// native:groupconv (grouped 2-D convolutions with 2, 4 or 8 channels per group) against the
// reference kernel through the kernel harness (Plain buffers: the kernel's channels-last copies),
// strides, pads, kernel sizes, with and without bias; and what it leaves to oneDNN. Its
// channels-last and nChw16c paths run in the layout tests (tests/passes/layout_test.cpp).
#include "ops/tensor/common.h"
#include "shape_test_util.h"

namespace layerscope::shape_test {
namespace {

Tensor uniform(std::mt19937& rng, const Shape& s) {
  Tensor t(DType::F32, s);
  std::uniform_real_distribution<float> d(-1.f, 1.f);
  for (int64_t i = 0; i < t.numel(); ++i) t.data_as<float>()[i] = d(rng);
  return t;
}

Node conv_node(const std::vector<In>& in, int64_t group, int64_t k, int64_t stride, int64_t pad) {
  return make_node("Conv", 11, in, 1,
                   {{"group", group},
                    {"kernel_shape", std::vector<int64_t>{k, k}},
                    {"strides", std::vector<int64_t>{stride, stride}},
                    {"pads", std::vector<int64_t>{pad, pad, pad, pad}}});
}

void check(std::mt19937& rng, int64_t C, int64_t group, int64_t hw, int64_t k, int64_t stride, int64_t pad, bool bias) {
  std::vector<In> in = {unknown(uniform(rng, {2, C, hw, hw + 3})), {uniform(rng, {C, C / group, k, k})}};
  if (bias) in.push_back({uniform(rng, {C})});
  const Node n = conv_node(in, group, k, stride, pad);
  const std::string what = "C " + std::to_string(C) + " group " + std::to_string(group) + " k " + std::to_string(k) +
                           " stride " + std::to_string(stride) + " pad " + std::to_string(pad);
  SCOPED_TRACE(what);
  const testing::KernelCheck r = testing::check_kernels(n, case_inputs(in), {.threads = 2, .tolerance = 1e-5});
  EXPECT_TRUE(r.ran_kernel("native:groupconv")) << what;
}

TEST(GroupedConvKernel, MatchesTheReference) {
  if (!__builtin_cpu_supports("avx512f")) GTEST_SKIP() << "native:groupconv is an AVX-512 kernel";
  std::mt19937 rng(41);
  check(rng, 128, 32, 14, 3, 1, 1, true);   // ResNeXt-50 32x4d's first stage, smaller
  check(rng, 128, 32, 15, 3, 2, 1, false);  // its stride-2 block
  check(rng, 64, 32, 9, 3, 1, 0, true);     // 2 channels per group, no padding
  check(rng, 64, 8, 9, 5, 1, 2, true);      // 8 per group, 5x5
  check(rng, 32, 8, 7, 1, 1, 0, false);     // 4 per group, 1x1
}

TEST(GroupedConvKernel, LeavesOtherConvolutionsToOneDnn) {
  std::mt19937 rng(42);
  auto accepts = [&](int64_t C, int64_t group, bool constant_weights) {
    std::vector<In> in = {unknown(uniform(rng, {1, C, 8, 8}))};
    in.push_back(constant_weights ? In{uniform(rng, {C, C / group, 3, 3})}
                                  : unknown(uniform(rng, {C, C / group, 3, 3})));
    return kernel_accepts("native:groupconv", conv_node(in, group, 3, 1, 1), in);
  };
  EXPECT_EQ(accepts(128, 32, true), __builtin_cpu_supports("avx512f") != 0);
  EXPECT_FALSE(accepts(64, 64, true));    // depthwise: oneDNN's own kernel
  EXPECT_FALSE(accepts(64, 4, true));     // 16 per group: oneDNN's blocked kernels
  EXPECT_FALSE(accepts(24, 6, true));     // channels not a multiple of 16
  EXPECT_FALSE(accepts(128, 32, false));  // weights known only at run time
}

}  // namespace
}  // namespace layerscope::shape_test
