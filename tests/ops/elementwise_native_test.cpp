// Native elementwise kernels (and any other kernel of the op) vs the reference kernels, through
// the kernel harness (tests/common/kernel_check.h): random shapes (incl. broadcasting and
// sizes large enough for the multi-threaded path), and what each supports() must reject.
#include <cmath>
#include <random>

#include "elementwise_test_util.h"
#include "ops/op_utils.h"

namespace layerscope::elementwise_test {
namespace {

std::vector<testing::CaseInput> case_inputs(const std::vector<Tensor>& inputs, const std::vector<bool>& constant) {
  std::vector<testing::CaseInput> c;
  for (size_t i = 0; i < inputs.size(); ++i)
    c.push_back({inputs[i], i < constant.size() && constant[i], inputs[i].empty()});
  return c;
}

// Every kernel that accepts the node against the reference (tests/common/kernel_check.h), each
// element within rel_tol * max(1, |reference|), NaN for NaN, infinities exactly; a native
// kernel must be among them.
void check_native(const std::string& op, int opset, std::vector<Tensor> inputs, Attributes a, double rel_tol,
                  const std::vector<bool>& constant = {}, int threads = 2) {
  const Node n = make_node(op, opset, inputs.size(), a);
  const testing::KernelCheck r = testing::check_kernels(
      n, case_inputs(inputs, constant), {.threads = threads, .tolerance = rel_tol, .per_element = true});
  std::string what = op;
  for (const Tensor& t : inputs) what += " " + shape_to_string(t.empty() ? Shape{} : t.shape());
  EXPECT_TRUE(r.ran_kernel("native:")) << "no native kernel for " << what;
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
  std::vector<std::pair<Shape, Shape>> v = {{{2, 3, 4, 5}, {2, 3, 4, 5}},
                                            {{2, 3, 4, 5}, {}},
                                            {{}, {7, 3}},
                                            {{2, 8, 5, 5}, {1, 8, 1, 1}},
                                            {{3, 17, 64}, {64}},
                                            {{5, 1, 3}, {1, 4, 1}},
                                            {{4, 1}, {1, 1}},
                                            {{}, {}},
                                            {{0, 3}, {3}},
                                            {{2, 70000}, {70000}},
                                            {{3, 40000}, {3, 1}},
                                            {{300, 300}, {300, 1}},
                                            {{1, 100000}, {1}},
                                            {{70001}, {70001}},
                                            {{16, 8, 1000}, {8, 1}}};
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

// Max and Min of two inputs, and the comparisons (bool outputs), on the same broadcast pairs; then
// on special values against each other: NaN either side, signed zeros, infinities, equal values.
TEST(ElementwiseNative, MaxMinAndComparisonsMatchReference) {
  const char* ops[] = {"Max", "Min", "Greater", "Less", "Equal", "GreaterOrEqual", "LessOrEqual"};
  for (const char* op : ops)
    for (const auto& [sa, sb] : binary_shapes()) {
      Shape out;
      if (!try_broadcast_shapes(sa, sb, &out)) continue;
      check_native(op, 13, {random_f32(sa, -3, 3), random_f32(sb, -3, 3)}, {}, 0);
    }
  const std::vector<float> special = {NAN, INFINITY, -INFINITY, 0.f, -0.f, 1.f, -1.f, 2.5f};
  const int64_t n = static_cast<int64_t>(special.size());
  Tensor a(DType::F32, {n, n}), b(DType::F32, {n, n});
  for (int64_t i = 0; i < n * n; ++i) {
    a.data_as<float>()[i] = special[i / n];
    b.data_as<float>()[i] = special[i % n];
  }
  for (const char* op : ops) {
    check_native(op, 13, {a, b}, {}, 0);
    check_native(op, 13, {a, f32({}, {0.f})}, {}, 0);  // SSDlite's score threshold: a scalar
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
      {"Relu", 14, {}, -5, 5, 1e-6},        {"Sqrt", 13, {}, -1, 100, 1e-6},
      {"Exp", 13, {}, -110, 90, 1e-5},      {"Sigmoid", 13, {}, -30, 30, 1e-5},
      {"Tanh", 13, {}, -12, 12, 1e-5},      {"Erf", 13, {}, -6, 6, 1e-5},
      {"Gelu", 20, {}, -10, 10, 1e-5},      {"Gelu", 20, attrs({{"approximate", std::string("tanh")}}), -10, 10, 1e-5},
      {"Tanh", 13, {}, -0.7f, 0.7f, 1e-5},  {"Erf", 13, {}, -1.2f, 1.2f, 1e-5},
      {"Sigmoid", 13, {}, -120, 120, 1e-5},
  };
  for (const Case& c : cases)
    for (const Shape& s : shapes) check_native(c.op, c.opset, {random_f32(s, c.lo, c.hi)}, c.attrs, c.tol);
  // Special values: NaN, infinities, signed zeros, and the branch points of tanh/erf.
  Tensor special = f32({12}, {NAN, INFINITY, -INFINITY, 0.f, -0.f, 0.625f, -0.625f, 1.f, -1.f, 3.92f, -3.92f, 1e-30f});
  for (const char* op : {"Relu", "Sqrt", "Sigmoid", "Tanh", "Erf", "Exp"}) check_native(op, 13, {special}, {}, 1e-5);
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
    check_native("Where", 16, {cond, random_f32(broadcast_from(out), -1, 1), random_f32(broadcast_from(out), -1, 1)},
                 {}, 1e-6);
  }
  Tensor cond(DType::Bool, {300, 1});
  for (int64_t k = 0; k < 300; ++k) cond.data_as<uint8_t>()[k] = k % 3 == 0;
  check_native("Where", 16, {cond, random_f32({300, 300}, -1, 1), f32({}, {7})}, {}, 1e-6);
}

TEST(ElementwiseNative, SupportsRejectsWhatItDoesNotHandle) {
  auto has_native = [](const std::string& op, int opset, std::vector<Tensor> inputs, Attributes a = {},
                       std::vector<bool> constant = {}) {
    const Node n = make_node(op, opset, inputs.size(), a);
    return testing::check_kernels(n, case_inputs(inputs, constant), {.only = "native:"}).ran_kernel("native:");
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
