#include "kernels/onednn/post_ops.h"

#include <limits>

#include "ir/error.h"

namespace layerscope::onednn {

dnnl::algorithm to_dnnl(Eltwise e) {
  using alg = dnnl::algorithm;
  switch (e) {
    case Eltwise::Relu: return alg::eltwise_relu;
    case Eltwise::Tanh: return alg::eltwise_tanh;
    case Eltwise::Elu: return alg::eltwise_elu;
    case Eltwise::Square: return alg::eltwise_square;
    case Eltwise::Abs: return alg::eltwise_abs;
    case Eltwise::Sqrt: return alg::eltwise_sqrt;
    case Eltwise::Swish: return alg::eltwise_swish;
    case Eltwise::Linear: return alg::eltwise_linear;
    case Eltwise::BoundedRelu: return alg::eltwise_bounded_relu;
    case Eltwise::SoftRelu: return alg::eltwise_soft_relu;
    case Eltwise::LogSigmoid: return alg::eltwise_logsigmoid;
    case Eltwise::Mish: return alg::eltwise_mish;
    case Eltwise::Logistic: return alg::eltwise_logistic;
    case Eltwise::Exp: return alg::eltwise_exp;
    case Eltwise::GeluTanh: return alg::eltwise_gelu_tanh;
    case Eltwise::GeluErf: return alg::eltwise_gelu_erf;
    case Eltwise::Log: return alg::eltwise_log;
    case Eltwise::Clip: return alg::eltwise_clip;
    case Eltwise::ClipV2: return alg::eltwise_clip_v2;
    case Eltwise::Pow: return alg::eltwise_pow;
    case Eltwise::Round: return alg::eltwise_round;
    case Eltwise::HardSwish: return alg::eltwise_hardswish;
  }
  fail("eltwise algorithm ", static_cast<int>(e), " has no oneDNN counterpart");
}

void append_post_ops(dnnl::post_ops& po, const PostOps& steps, bool relu_as_eltwise) {
  for (const EltwiseStep& s : steps) {
    if (s.algorithm == Eltwise::Relu && s.alpha == 0.f && !relu_as_eltwise)
      po.append_eltwise(1.f, dnnl::algorithm::eltwise_clip_v2, 0.f, std::numeric_limits<float>::infinity());
    else po.append_eltwise(1.f, to_dnnl(s.algorithm), s.alpha, s.beta);
  }
}

}  // namespace layerscope::onednn
