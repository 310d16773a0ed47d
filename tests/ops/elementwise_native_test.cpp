// Native elementwise kernels vs the reference kernels: random shapes (incl. broadcasting and
// sizes large enough for the multi-threaded path), and what each supports() must reject.
#include <cmath>
#include <random>

#include "elementwise_test_util.h"
#include "ops/op_utils.h"

namespace layerscope::elementwise_test {
namespace {

struct Native {
  std::unique_ptr<Kernel> kernel;  // null when no native kernel supports the node
  std::string name;
};

// The highest-priority native kernel for this node, prepared; inputs as for run_ref.
Native native_kernel(const Node& n, const std::vector<Tensor>& inputs, std::vector<TensorInfo>& in_infos,
                     std::vector<const Tensor*>& consts, std::vector<TensorInfo>& out_infos, int threads,
                     const std::vector<bool>& constant) {
  for (size_t i = 0; i < inputs.size(); ++i) {
    in_infos.push_back(inputs[i].empty() ? TensorInfo{} : TensorInfo{inputs[i].dtype(), inputs[i].shape()});
    consts.push_back(i < constant.size() && constant[i] ? &inputs[i] : nullptr);
  }
  std::vector<const Tensor*> values;
  for (const Tensor& t : inputs) values.push_back(t.empty() ? nullptr : &t);
  InferContext ctx = infer_context(find(n.op_type, n.opset), n, in_infos, values);
  find(n.op_type, n.opset).infer(ctx);
  out_infos = ctx.outputs();
  KernelSetup setup{n, in_infos, consts, out_infos, threads};
  for (const KernelDef* k : Registry::builtin().kernels_for("", n.op_type)) {
    if (k->name.rfind("native:", 0) != 0 || (k->supports && !k->supports(setup))) continue;
    Native r{k->create(), k->name};
    r.kernel->prepare(setup);
    return r;
  }
  return {};
}

// Runs the native kernel (which must exist) and the reference; compares within rel_tol
// relative to max(1, |reference|). NaN must match NaN, infinities exactly.
void check_native(const std::string& op, int opset, std::vector<Tensor> inputs, Attributes a, double rel_tol,
                  const std::vector<bool>& constant = {}, int threads = 2) {
  Node n = make_node(op, opset, inputs.size(), a);
  for (size_t i = 0; i < inputs.size(); ++i)
    if (inputs[i].empty()) n.inputs[i] = -1;
  std::vector<TensorInfo> in_infos, out_infos;
  std::vector<const Tensor*> consts;
  Native nk = native_kernel(n, inputs, in_infos, consts, out_infos, threads, constant);
  std::string what = op + " " + [&] {
    std::string s;
    for (const Tensor& t : inputs) s += shape_to_string(t.empty() ? Shape{} : t.shape()) + " ";
    return s;
  }();
  ASSERT_TRUE(nk.kernel) << "no native kernel for " << what;
  Tensor want = run_ref(op, opset, inputs, a);
  Tensor got(out_infos[0].dtype, out_infos[0].shape);
  std::vector<const Tensor*> in_ptrs;
  for (const Tensor& t : inputs) in_ptrs.push_back(t.empty() ? nullptr : &t);
  Tensor* outs[] = {&got};
  nk.kernel->execute(in_ptrs, outs, nullptr);
  ASSERT_EQ(got.shape(), want.shape()) << what;
  const float* g = got.data_as<float>();
  const float* w = want.data_as<float>();
  int bad = 0;
  for (int64_t i = 0; i < want.numel() && bad < 5; ++i) {
    bool ok = std::isnan(w[i]) ? std::isnan(g[i])
              : std::isinf(w[i]) ? g[i] == w[i]
                                 : std::fabs(double(g[i]) - w[i]) <= rel_tol * std::max(1.0, std::fabs(double(w[i])));
    if (!ok) {
      ++bad;
      ADD_FAILURE() << what << "(" << nk.name << ") element " << i << ": got " << g[i] << ", want " << w[i];
    }
  }
}

std::mt19937 rng(1234);

Tensor random_f32(const Shape& s, float lo, float hi) {
  Tensor t(DType::F32, s);
  std::uniform_real_distribution<float> d(lo, hi);
  for (int64_t i = 0; i < t.numel(); ++i) t.data_as<float>()[i] = d(rng);
  return t;
}

// A random output shape and an input shape that broadcasts to it (dims set to 1 or dropped).
Shape random_shape(int max_rank, int max_dim) {
  Shape s(std::uniform_int_distribution<int>(0, max_rank)(rng));
  for (int64_t& d : s) d = std::uniform_int_distribution<int>(1, max_dim)(rng);
  return s;
}
Shape broadcast_from(const Shape& out) {
  Shape s = out;
  const int drop = std::uniform_int_distribution<int>(0, static_cast<int>(out.size()))(rng) / 2;
  s.erase(s.begin(), s.begin() + drop);
  for (int64_t& d : s)
    if (rng() % 3 == 0) d = 1;
  return s;
}

// Broadcast pairs the models use, plus large ones for the threaded split paths.
std::vector<std::pair<Shape, Shape>> binary_shapes() {
  std::vector<std::pair<Shape, Shape>> v = {
      {{2, 3, 4, 5}, {2, 3, 4, 5}}, {{2, 3, 4, 5}, {}},        {{}, {7, 3}},           {{2, 8, 5, 5}, {1, 8, 1, 1}},
      {{3, 17, 64}, {64}},          {{5, 1, 3}, {1, 4, 1}},    {{4, 1}, {1, 1}},       {{}, {}},
      {{0, 3}, {3}},                {{2, 70000}, {70000}},     {{3, 40000}, {3, 1}},   {{300, 300}, {300, 1}},
      {{1, 100000}, {1}},           {{70001}, {70001}},        {{16, 8, 1000}, {8, 1}}};
  for (int i = 0; i < 40; ++i) {
    Shape out = random_shape(5, 6);
    Shape a = broadcast_from(out), b = broadcast_from(out);
    if (rng() % 2) std::swap(a, b);
    v.push_back({a, b});
  }
  return v;
}

TEST(ElementwiseNative, BinaryMatchesReference) {
  for (const char* op : {"Add", "Sub", "Mul", "Div"})
    for (const auto& [sa, sb] : binary_shapes()) {
      Shape out;
      if (!try_broadcast_shapes(sa, sb, &out)) continue;
      check_native(op, 14, {random_f32(sa, -3, 3), random_f32(sb, 0.5f, 3)}, {}, 1e-6);
    }
}

TEST(ElementwiseNative, UnaryMatchesReference) {
  const std::vector<Shape> shapes = {{}, {1}, {15}, {17}, {3, 33}, {2, 3, 4, 5}, {70003}, {0}};
  struct Case {
    const char* op;
    int opset;
    Attributes attrs;
    float lo, hi;
    double tol;
  };
  const std::vector<Case> cases = {
      {"Relu", 14, {}, -5, 5, 1e-6},           {"Sqrt", 13, {}, -1, 100, 1e-6},
      {"Sigmoid", 13, {}, -30, 30, 1e-5},      {"Tanh", 13, {}, -12, 12, 1e-5},
      {"Erf", 13, {}, -6, 6, 1e-5},            {"Gelu", 20, {}, -10, 10, 1e-5},
      {"Gelu", 20, attrs({{"approximate", std::string("tanh")}}), -10, 10, 1e-5},
      {"Tanh", 13, {}, -0.7f, 0.7f, 1e-5},     {"Erf", 13, {}, -1.2f, 1.2f, 1e-5},
      {"Sigmoid", 13, {}, -120, 120, 1e-5},
  };
  for (const Case& c : cases)
    for (const Shape& s : shapes) check_native(c.op, c.opset, {random_f32(s, c.lo, c.hi)}, c.attrs, c.tol);
  // Special values: NaN, infinities, signed zeros, and the branch points of tanh/erf.
  Tensor special = f32({12}, {NAN, INFINITY, -INFINITY, 0.f, -0.f, 0.625f, -0.625f, 1.f, -1.f, 3.92f, -3.92f, 1e-30f});
  for (const char* op : {"Relu", "Sqrt", "Sigmoid", "Tanh", "Erf"}) check_native(op, 13, {special}, {}, 1e-5);
  check_native("Gelu", 20, {special}, {}, 1e-5);
}

TEST(ElementwiseNative, PowClipWhere) {
  Tensor x = random_f32({5, 70}, -4, 4);
  Tensor special = f32({5}, {-0.f, -INFINITY, INFINITY, NAN, 2.f});
  for (const Tensor& base : {x, special}) {
    check_native("Pow", 15, {base, f32({}, {2})}, {}, 1e-6, {false, true});
    check_native("Pow", 15, {base, f32({1}, {0.5f})}, {}, 1e-6, {false, true});
    check_native("Pow", 15, {base, make<int64_t>(DType::I64, {}, {2})}, {}, 1e-6, {false, true});
  }
  Tensor big = random_f32({80000}, -4, 4);
  check_native("Pow", 15, {big, f32({}, {0.5f})}, {}, 1e-6, {false, true});
  check_native("Clip", 6, {big}, attrs({{"min", -1.f}, {"max", 2.f}}), 1e-6);
  check_native("Clip", 13, {x, Tensor(), f32({}, {0.5f})}, {}, 1e-6);
  check_native("Clip", 13, {special, f32({}, {-1}), f32({}, {1})}, {}, 1e-6);
  check_native("Clip", 13, {x, f32({}, {-1})}, {}, 1e-6);
  for (int i = 0; i < 40; ++i) {
    Shape out = random_shape(4, 5);
    Tensor cond(DType::Bool, broadcast_from(out));
    for (int64_t k = 0; k < cond.numel(); ++k) cond.data_as<uint8_t>()[k] = rng() % 2;
    check_native("Where", 16, {cond, random_f32(broadcast_from(out), -1, 1), random_f32(broadcast_from(out), -1, 1)}, {},
                 1e-6);
  }
  Tensor cond(DType::Bool, {300, 1});
  for (int64_t k = 0; k < 300; ++k) cond.data_as<uint8_t>()[k] = k % 3 == 0;
  check_native("Where", 16, {cond, random_f32({300, 300}, -1, 1), f32({}, {7})}, {}, 1e-6);
}

TEST(ElementwiseNative, SupportsRejectsWhatItDoesNotHandle) {
  auto has_native = [](const std::string& op, int opset, std::vector<Tensor> inputs, Attributes a = {},
                       std::vector<bool> constant = {}) {
    Node n = make_node(op, opset, inputs.size(), a);
    std::vector<TensorInfo> in_infos, out_infos;
    std::vector<const Tensor*> consts;
    return native_kernel(n, inputs, in_infos, consts, out_infos, 1, constant).kernel != nullptr;
  };
  Tensor i32 = make<int32_t>(DType::I32, {2}, {1, 2});
  EXPECT_FALSE(has_native("Add", 14, {i32, i32}));
  EXPECT_FALSE(has_native("Relu", 14, {i32}));
  // Opset 6 broadcasting is legacy ('broadcast'/'axis'): the reference handles it.
  EXPECT_FALSE(has_native("Add", 6, {f32({2, 3}, {1, 2, 3, 4, 5, 6}), f32({2, 3}, {1, 2, 3, 4, 5, 6})}));
  Tensor x = f32({2}, {1, 2});
  EXPECT_FALSE(has_native("Pow", 15, {x, f32({}, {3})}, {}, {false, true}));   // exponent 3
  EXPECT_FALSE(has_native("Pow", 15, {x, f32({}, {2})}, {}, {false, false}));  // not constant
  EXPECT_FALSE(has_native("Pow", 15, {x, f32({2}, {2, 2})}, {}, {false, true}));
  EXPECT_TRUE(has_native("Pow", 15, {x, f32({}, {2})}, {}, {false, true}));
  Tensor c = make<uint8_t>(DType::Bool, {2}, {1, 0});
  EXPECT_FALSE(has_native("Where", 16, {c, i32, i32}));
  EXPECT_FALSE(has_native("Clip", 13, {i32}));
}

}  // namespace
}  // namespace layerscope::elementwise_test
