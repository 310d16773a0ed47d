// native:instancenorm against InstanceNormalization's reference kernel (double, two passes) on
// random shapes of every rank from 2 to 5 (the 1-D audio [N, C, L] included), inputs far from
// zero mean (cancellation), planes of one element (variance 0), empty tensors, and one long
// plane split among threads.
#include <cmath>

#include "shape_test_util.h"

namespace layerscope::shape_test {
namespace {

Tensor random_f32(Shape s, std::mt19937& rng, float mean, float spread) {
  Tensor t(DType::F32, std::move(s));
  std::normal_distribution<float> d(mean, spread);
  for (int64_t i = 0; i < t.numel(); ++i) t.data_as<float>()[i] = d(rng);
  return t;
}

// Through the kernel harness: every element within 2e-5 x max(1, |reference|) (float sums
// against the double oracle).
void check(const Tensor& x, std::mt19937& rng, float eps, const std::string& what, int threads = 2) {
  const int64_t c = x.dim(1);
  std::vector<In> in = {{x}, {random_f32({c}, rng, 1.f, 0.5f)}, {random_f32({c}, rng, 0.f, 1.f)}};
  if (rng() % 2) {  // scale and bias computed at run time, not constants
    in[1].known = false;
    in[2].known = false;
  }
  Node n = make_node("InstanceNormalization", 6, in, 1, {{"epsilon", eps}});
  SCOPED_TRACE(what);
  const testing::KernelCheck r =
      testing::check_kernels(n, case_inputs(in), {.threads = threads, .tolerance = 2e-5, .per_element = true});
  EXPECT_TRUE(r.ran_kernel("native:instancenorm")) << what;
}

TEST(NativeInstanceNorm, RandomShapesEveryRank) {
  std::mt19937 rng(21);
  for (int iter = 0; iter < 120; ++iter) {
    const int rank = 2 + static_cast<int>(rng() % 4);
    Shape s(rank);
    for (int64_t& d : s) d = 1 + static_cast<int64_t>(rng() % (rank <= 3 ? 40 : 9));
    if (iter % 10 == 0) s.back() = 2000 + static_cast<int64_t>(rng() % 3000);  // long planes
    const float mean = iter % 3 == 0 ? 50.f : 0.f;  // far from zero: the two-pass variance matters
    check(random_f32(s, rng, mean, 1.f + static_cast<float>(rng() % 4)), rng, iter % 2 ? 1e-5f : 1e-3f,
          "iter " + std::to_string(iter) + " " + shape_to_string(s), 1 + iter % 2);
  }
}

TEST(NativeInstanceNorm, AudioPlanesAndEdgeCases) {
  std::mt19937 rng(22);
  check(random_f32({1, 512, 3199}, rng, 0.3f, 2.f), rng, 1e-5f, "audio_conv1d's (1,512,3199)");
  check(random_f32({1, 1, 100000}, rng, -7.f, 3.f), rng, 1e-5f, "one long plane, split among threads");
  check(random_f32({1, 2, 70001}, rng, 2.f, 1.f), rng, 1e-5f, "two long planes, split", 4);
  check(random_f32({3, 4}, rng, 0.f, 1.f), rng, 1e-5f, "rank 2: planes of one element (y = bias)");
  check(Tensor(DType::F32, {2, 3, 0}), rng, 1e-5f, "empty planes");
  Tensor constant(DType::F32, {2, 3, 50});
  for (int64_t i = 0; i < constant.numel(); ++i) constant.data_as<float>()[i] = 4.25f;
  check(constant, rng, 1e-5f, "constant planes (variance 0)");
}

TEST(NativeInstanceNorm, OtherTypesStayOnTheReference) {
  std::vector<In> in = {{Tensor(DType::F64, {1, 2, 5})}, {Tensor(DType::F64, {2})}, {Tensor(DType::F64, {2})}};
  EXPECT_FALSE(kernel_accepts("native:instancenorm", make_node("InstanceNormalization", 6, in, 1, {}), in));
}

}  // namespace
}  // namespace layerscope::shape_test
