// onednn:eltwise (standalone activations) and native:hardsigmoid against each op's reference kernel: every op with
// the activation trait that the planner hands to it, on random shapes (scalars and big,
// multi-threaded tensors included), with non-default attributes, inputs from -40 to 40 (the
// exp overflow of Softplus and Mish), infinities and NaN.
#include <cmath>
#include <limits>

#include "kernels/kernel_registry.h"
#include "shape_test_util.h"

namespace layerscope::shape_test {
namespace {

// The name of the kernel the planner would choose for `n` over `in`.
std::string chosen_kernel(const Node& n, const std::vector<In>& in) {
  std::vector<TensorInfo> outs = infer(n, in), infos;
  std::vector<const Tensor*> consts;
  for (const In& x : in) {
    infos.push_back({x.t.dtype(), x.t.shape()});
    consts.push_back(nullptr);
  }
  KernelSetup s{n, infos, consts, outs, 1};
  const KernelDef* k = select_kernel(Registry::builtin(), s);
  return k ? k->name : "ref";
}

Tensor random_input(Shape s, std::mt19937& rng, float range) {
  Tensor t(DType::F32, std::move(s));
  std::uniform_real_distribution<float> u(-range, range);
  for (int64_t i = 0; i < t.numel(); ++i) t.data_as<float>()[i] = u(rng);
  return t;
}

struct Case {
  const char* op;
  int opset;
  AttrList attrs;
  const char* kernel = "onednn:eltwise";
};

const std::vector<Case>& cases() {
  static const std::vector<Case> c = {
      {"LeakyRelu", 16, {}},
      {"LeakyRelu", 6, {{"alpha", 0.3f}}},
      {"Elu", 6, {}},
      {"Elu", 6, {{"alpha", 0.4f}}},
      // Native: oneDNN's clip would turn a NaN into 0 where the reference gives 1.
      {"HardSigmoid", 6, {}, "native:hardsigmoid"},
      {"HardSigmoid", 6, {{"alpha", 0.35f}, {"beta", 0.25f}}, "native:hardsigmoid"},
      {"HardSwish", 14, {}},
      {"Softplus", 1, {}},
      {"Mish", 18, {}},
  };
  return c;
}

// Through the kernel harness (tests/common/kernel_check.h): every kernel that accepts the node
// against the reference, per element within 1e-5 x max(1, |reference|) (oneDNN's exp and log
// are a few ulp off libm's), NaN where the reference gives NaN, infinities exactly.
void expect_eltwise_matches(const Case& c, const Node& n, const std::vector<In>& in, int threads,
                            const std::string& what) {
  SCOPED_TRACE(what);
  const testing::KernelCheck r =
      testing::check_kernels(n, case_inputs(in), {.threads = threads, .tolerance = 1e-5, .per_element = true});
  EXPECT_TRUE(r.ran_kernel(c.kernel)) << what << ": " << c.kernel << " did not run";
}

TEST(OnednnEltwise, StandaloneActivationsMatchTheReference) {
  std::mt19937 rng(31);
  for (const Case& c : cases()) {
    for (int iter = 0; iter < 12; ++iter) {
      const int rank = static_cast<int>(rng() % 5);
      Shape s(rank);
      for (int64_t& d : s) d = 1 + static_cast<int64_t>(rng() % (iter == 0 ? 120 : 9));  // iter 0: big
      std::vector<In> in = {{random_input(s, rng, iter % 3 == 0 ? 40.f : 6.f)}};
      Node n = make_node(c.op, c.opset, in, 1, c.attrs);
      const std::string what = std::string(c.op) + " " + shape_to_string(s);
      EXPECT_EQ(chosen_kernel(n, in), c.kernel) << what;
      expect_eltwise_matches(c, n, in, 1 + iter % 2, what);
    }
  }
}

TEST(OnednnEltwise, InfinitiesAndNaNFollowTheReference) {
  const float inf = std::numeric_limits<float>::infinity(), nan = std::numeric_limits<float>::quiet_NaN();
  for (const Case& c : cases()) {
    Tensor x(DType::F32, {7});
    const float v[] = {-inf, inf, 0.f, -0.f, 1e30f, -1e30f, nan};
    std::memcpy(x.data(), v, sizeof v);
    std::vector<In> in = {{x}};
    expect_eltwise_matches(c, make_node(c.op, c.opset, in, 1, c.attrs), in, 1, std::string(c.op) + " specials");
  }
}

TEST(OnednnEltwise, NativeKernelsKeepTheirOps) {
  std::mt19937 rng(32);
  std::vector<In> in = {{random_input({4, 5}, rng, 3.f)}};
  for (const char* op : {"Relu", "Sigmoid", "Tanh"}) {
    EXPECT_EQ(chosen_kernel(make_node(op, 13, in, 1, {}), in), "native:unary") << op;
    for (const KernelDef* k : Registry::builtin().kernels_for("", op)) EXPECT_NE(k->name, "onednn:eltwise") << op;
  }
  // Other element types stay on the reference.
  std::vector<In> f64 = {{Tensor(DType::F64, {3})}};
  EXPECT_EQ(chosen_kernel(make_node("Softplus", 1, f64, 1, {}), f64), "ref");
}

}  // namespace
}  // namespace layerscope::shape_test
