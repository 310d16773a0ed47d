// native:gemv — Gemm with a single row (M = 1: a classifier head, Y[1, N] = alpha * a B' +
// beta * C) and constant B and C. One row of A makes it a matrix-vector product: every weight
// is read once and used once, so the time is the weight matrix over memory bandwidth. oneDNN's
// matmul runs these at 40-45% of the measured bandwidth (MobileNetV2's 1280x1000 head: 398 us
// for 5 MB); streaming the weights row by row reaches the bandwidth.
// prepare() packs B as [N, K] rows (B' row n = the weights of output n) with alpha folded in
// and beta * C as a bias vector; the originals are then freed (reads_input_at_run). execute()
// computes one output per row of weights (`a` stays in L1), rows split across the plan's
// threads. It also runs the fused Gemm<Act> ops, applying the activation to the N outputs.
#include <algorithm>

#include "kernels/kernel_registry.h"
#include "kernels/native/gemv_rows.h"
#include "ops/op_registry.h"

namespace layerscope {
namespace {

constexpr int kPriority = 110;  // above oneDNN's Gemm (100)

struct GemvShape {
  int64_t K = 0, N = 0;
  bool trans_b = false;
};

// The Gemm this kernel runs: M = 1, f32, B constant, C absent or a constant of 1 or N values
// broadcast along the row (shape [], [1], [N], [1, 1] or [1, N]).
// `fused`: a fused Gemm<Act> node (opset 1 of the fused domain, Gemm-13's semantics).
std::optional<GemvShape> gemv_shape(const KernelSetup& s, bool fused) {
  const Node& n = s.node;
  if ((!fused && n.opset < 7) || s.inputs.size() < 2 || s.outputs.empty()) return std::nullopt;
  for (size_t i = 0; i < s.inputs.size() && i < 3; ++i)
    if (n.inputs[i] >= 0 && s.inputs[i].dtype != DType::F32) return std::nullopt;
  const Shape& a = s.inputs[0].shape;
  const Shape& b = s.inputs[1].shape;
  if (a.size() != 2 || b.size() != 2 || !s.constants[1]) return std::nullopt;
  const bool ta = n.attrs.get_int("transA", 0) != 0;
  GemvShape g;
  g.trans_b = n.attrs.get_int("transB", 0) != 0;
  if ((ta ? a[1] : a[0]) != 1) return std::nullopt;
  g.K = ta ? a[0] : a[1];
  g.N = g.trans_b ? b[0] : b[1];
  if ((g.trans_b ? b[1] : b[0]) != g.K || g.K == 0 || g.N == 0) return std::nullopt;
  if (s.inputs.size() > 2 && n.inputs[2] >= 0) {
    const Shape& c = s.inputs[2].shape;
    const int64_t count = shape_numel(c);
    if (!s.constants[2] || c.size() > 2 || (count != 1 && count != g.N)) return std::nullopt;
    if (c.size() == 2 && c[0] != 1) return std::nullopt;
  }
  return g;
}

class GemvKernel final : public Kernel {
 public:
  explicit GemvKernel(std::optional<FusionTrait> fusion) : fusion_(std::move(fusion)) {}
  std::string name() const override { return "native:gemv"; }
  size_t packed_weight_bytes() const override { return (w_.size() + bias_.size()) * sizeof(float); }
  bool reads_input_at_run(int input) const override { return input == 0; }

  void prepare(const KernelSetup& s) override {
    const GemvShape g = *gemv_shape(s, fusion_.has_value());
    activation_ = fusion_ && fusion_->activation ? fusion_->activation(s.node.attrs) : PostOps{};
    K_ = g.K;
    N_ = g.N;
    threads_ = K_ * N_ >= native::kGemvParallelMacs ? std::max(1, s.threads) : 1;
    const float alpha = s.node.attrs.get_float("alpha", 1.f), beta = s.node.attrs.get_float("beta", 1.f);
    const float* b = s.constants[1]->data_as<float>();
    w_.resize(static_cast<size_t>(N_ * K_));
    for (int64_t n = 0; n < N_; ++n)
      for (int64_t k = 0; k < K_; ++k) w_[n * K_ + k] = alpha * (g.trans_b ? b[n * K_ + k] : b[k * N_ + n]);
    bias_.assign(static_cast<size_t>(N_), 0.f);
    if (s.inputs.size() > 2 && s.node.inputs[2] >= 0) {
      const Tensor& c = *s.constants[2];
      const float* cv = c.data_as<float>();
      for (int64_t n = 0; n < N_; ++n) bias_[n] = beta * (c.numel() == 1 ? cv[0] : cv[n]);
    }
  }

  void execute(std::span<const Tensor* const> in, std::span<Tensor* const> out, void*) override {
    float* y = out[0]->data_as<float>();
    native::gemv_rows(in[0]->data_as<float>(), w_.data(), bias_.data(), y, K_, N_, threads_);
    // A fused activation on the N outputs: negligible next to streaming N x K weights.
    apply_post_ops(activation_, y, N_);
  }

 private:
  std::optional<FusionTrait> fusion_;
  PostOps activation_;
  int64_t K_ = 0, N_ = 0;
  int threads_ = 1;
  std::vector<float> w_, bias_;
};

}  // namespace

// Gemm, and every fused Gemm<Act> (ops/fused/transformer.h): the activation is applied to the
// row of outputs with the post-ops' plain C++ meaning (ops/post_op.h).
void register_native_gemv_kernels(KernelRegistry& r, const OpRegistry& ops) {
  auto add = [&](const std::string& domain, const std::string& op_type, std::optional<FusionTrait> fusion) {
    KernelDef d;
    d.op_type = op_type;
    d.domain = domain;
    d.name = "native:gemv";
    d.priority = kPriority;
    const bool fused = fusion.has_value();
    d.supports = [fused](const KernelSetup& s) { return gemv_shape(s, fused).has_value(); };
    d.create = [fusion] { return std::make_unique<GemvKernel>(fusion); };
    r.add_kernel(std::move(d));
  };
  add("", "Gemm", std::nullopt);
  for (const OpDef* def : ops.all_ops())
    if (def->fusion && def->fusion->core == "Gemm") add(def->domain, def->op_type, def->fusion);
}

}  // namespace layerscope
