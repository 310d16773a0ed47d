// kernels/onednn/post_ops: every eltwise algorithm of ops/post_op.h maps to a oneDNN algorithm
// that computes what apply_post_ops() says it computes (the plain C++ meaning native kernels
// and the trait tests use), and a slope-free Relu is ONNX's max(0, x) even for -inf.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "kernels/onednn/onednn_common.h"
#include "kernels/onednn/post_ops.h"

namespace layerscope {
namespace {

using namespace onednn;

// oneDNN's eltwise primitive for `step` over `x`.
std::vector<float> run_eltwise(const EltwiseStep& step, const std::vector<float>& x) {
  const dims d{static_cast<int64_t>(x.size())};
  dnnl::memory::desc md = plain_md(d);
  dnnl::eltwise_forward::desc desc(dnnl::prop_kind::forward_inference, to_dnnl(step.algorithm), md, step.alpha,
                                   step.beta);
  dnnl::eltwise_forward::primitive_desc pd(desc, engine());
  std::vector<float> in = x, out(x.size());
  dnnl::memory src(md, engine(), in.data()), dst(md, engine(), out.data());
  dnnl::eltwise_forward(pd).execute(stream(), {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst}});
  stream().wait();
  return out;
}

// Parameters that make each algorithm do something (its formula's alpha and beta).
EltwiseStep step_for(Eltwise e) {
  switch (e) {
    case Eltwise::Relu: return {e, 0.2f};
    case Eltwise::Elu: return {e, 0.7f};
    case Eltwise::Swish: return {e, 1.3f};
    case Eltwise::Linear: return {e, 0.5f, 0.2f};
    case Eltwise::BoundedRelu: return {e, 2.5f};
    case Eltwise::Clip:
    case Eltwise::ClipV2: return {e, -0.5f, 0.75f};
    case Eltwise::Pow: return {e, 1.5f, 2.f};
    default: return {e};
  }
}

TEST(OnednnPostOps, EveryEltwiseAlgorithmMatchesItsPlainMeaning) {
  std::mt19937 rng(3);
  for (int i = 0; i < kEltwiseCount; ++i) {
    const Eltwise e = static_cast<Eltwise>(i);
    SCOPED_TRACE(eltwise_name(e));
    const bool positive = e == Eltwise::Sqrt || e == Eltwise::Log;
    std::uniform_real_distribution<float> u(positive ? 0.01f : -5.f, 5.f);
    std::vector<float> x(257);
    for (float& v : x) v = u(rng);
    x[0] = 2.5f;  // a tie for Round: halves go to even
    const EltwiseStep step = step_for(e);
    const std::vector<float> got = run_eltwise(step, x);
    std::vector<float> want = x;
    apply_post_ops({step}, want.data(), static_cast<int64_t>(want.size()));
    for (size_t k = 0; k < x.size(); ++k)
      ASSERT_NEAR(got[k], want[k], 1e-4 * std::max(1.f, std::fabs(want[k]))) << "x = " << x[k];
  }
}

TEST(OnednnPostOps, SlopeFreeReluIsClipToZeroAndInfinity) {
  dnnl::post_ops po;
  append_post_ops(po, {{Eltwise::Relu}, {Eltwise::Relu, 0.1f}});
  ASSERT_EQ(po.len(), 2);
  float scale, alpha, beta;
  dnnl::algorithm alg;
  po.get_params_eltwise(0, scale, alg, alpha, beta);
  EXPECT_EQ(alg, dnnl::algorithm::eltwise_clip_v2);
  EXPECT_EQ(alpha, 0.f);
  EXPECT_EQ(beta, INFINITY);
  po.get_params_eltwise(1, scale, alg, alpha, beta);  // a slope is LeakyRelu: oneDNN's relu
  EXPECT_EQ(alg, dnnl::algorithm::eltwise_relu);
  EXPECT_EQ(alpha, 0.1f);

  dnnl::post_ops winograd;  // Winograd accepts eltwise_relu only
  append_post_ops(winograd, {{Eltwise::Relu}}, true);
  winograd.get_params_eltwise(0, scale, alg, alpha, beta);
  EXPECT_EQ(alg, dnnl::algorithm::eltwise_relu);
}

}  // namespace
}  // namespace layerscope
