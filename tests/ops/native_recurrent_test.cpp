// The native recurrent kernel (kernels/native/recurrent.cpp) against the reference kernel of
// LSTM, GRU (linear_before_reset) and RNN, through the kernel harness (tests/common/kernel_check.h),
// in both of its vector paths (AVX-512 and AVX2, where the build has them): every direction,
// both layouts, batch 1 to 4 (full and partial register groups of rows), hidden sizes that are
// and are not multiples of the vector width, initial states and outputs present or not,
// sequence_lens (empty and partial sequences), LSTM peepholes, 1 or 2 threads (a direction per thread, and a step's
// blocks split between threads with a barrier per step). |kernel - ref| <= 1e-5 * max(1, max|ref|).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <random>

#include "common/kernel_check.h"
#include "kernels/native/recurrent_steps.h"

namespace layerscope {
namespace {

using native::RecurrentIsa;
using testing::CaseInput;

std::mt19937& rng() {
  static std::mt19937 r(2024);
  return r;
}
int pick(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng()); }
bool coin() { return pick(0, 1) == 1; }

Tensor i32s(const std::vector<int32_t>& v) {
  Tensor t(DType::I32, {static_cast<int64_t>(v.size())});
  std::copy(v.begin(), v.end(), t.data_as<int32_t>());
  return t;
}

struct Shape4 {
  int64_t T, N, I, H;
};

struct Case {
  Node node;
  std::vector<CaseInput> ins;
};

// A node of `op` the native kernel should take. Optional inputs and outputs at random; GRU
// always linear_before_reset.
Case make_case(const std::string& op, const std::string& dir, int layout, Shape4 sh) {
  const int G = op == "LSTM" ? 4 : op == "GRU" ? 3 : 1;
  const int64_t D = dir == "bidirectional" ? 2 : 1, T = sh.T, N = sh.N, I = sh.I, H = sh.H;
  Attributes a;
  a.set("direction", dir);
  a.set("hidden_size", H);
  a.set("layout", int64_t{layout});
  if (op == "GRU") a.set("linear_before_reset", int64_t{1});
  const Shape seq = layout == 0 ? Shape{T, N, I} : Shape{N, T, I};
  const Shape state = layout == 0 ? Shape{D, N, H} : Shape{N, D, H};
  const float s = 1.5f / std::sqrt(static_cast<float>(H));
  auto maybe = [](bool present, CaseInput in) { return present ? in : testing::omitted_input(); };
  std::vector<CaseInput> ins{{testing::random_f32(rng(), seq, -2.f, 2.f)},
                             testing::constant(testing::random_f32(rng(), {D, G * H, I}, -s, s)),
                             testing::constant(testing::random_f32(rng(), {D, G * H, H}, -s, s))};
  ins.push_back(maybe(coin(), testing::constant(testing::random_f32(rng(), {D, 2 * G * H}, -0.5f, 0.5f))));
  // sequence_lens: absent, all T, or each in [0, T] (empty sequences included).
  std::vector<int32_t> lens(static_cast<size_t>(N), static_cast<int32_t>(T));
  const int lens_kind = pick(0, 2);
  if (lens_kind == 2)
    for (int32_t& l : lens) l = pick(0, static_cast<int>(T));
  ins.push_back(lens_kind == 0 ? testing::omitted_input() : testing::constant(i32s(lens)));
  ins.push_back(maybe(coin(), {testing::random_f32(rng(), state)}));
  if (op == "LSTM") {
    ins.push_back(maybe(coin(), {testing::random_f32(rng(), state)}));
    ins.push_back(maybe(coin(), testing::constant(testing::random_f32(rng(), {D, 3 * H}, -0.5f, 0.5f))));
  }
  Node n = testing::make_node(op, 14, ins.size(), op == "LSTM" ? 3 : 2, a);
  const int first_output = n.outputs[0];
  for (int& o : n.outputs)
    if (pick(0, 3) == 0) o = -1;
  if (std::all_of(n.outputs.begin(), n.outputs.end(), [](int v) { return v < 0; })) n.outputs[0] = first_output;
  return {n, ins};
}

// The vector paths this build has: AVX-512 and AVX2 on an AVX-512 build, AVX2 on an AVX2 one.
std::vector<RecurrentIsa> compiled_isas() {
  std::vector<RecurrentIsa> isas;
  for (RecurrentIsa isa : {RecurrentIsa::Avx512, RecurrentIsa::Avx2})
    if (native::recurrent_step_function(isa, RecurrentKind::Lstm)) isas.push_back(isa);
  return isas;
}

// Sets the ISA override for one scope.
struct IsaScope {
  explicit IsaScope(RecurrentIsa isa) { native::set_recurrent_isa_override(isa); }
  ~IsaScope() { native::set_recurrent_isa_override(RecurrentIsa::None); }
};

void check(const Case& c, RecurrentIsa isa, int threads) {
  testing::CheckOptions options;
  options.threads = threads;
  options.tolerance = 1e-5;
  options.only = "native:recurrent";
  const testing::KernelCheck check = testing::check_kernels(c.node, c.ins, options);
  const testing::KernelRun* run = check.find("native:recurrent");
  ASSERT_NE(run, nullptr) << Graph::describe(c.node);
  EXPECT_EQ(run->implementation, isa == RecurrentIsa::Avx512 ? "native:recurrent:avx512" : "native:recurrent:avx2");
}

TEST(NativeRecurrent, MatchesReferenceOnRandomNodes) {
  const std::vector<RecurrentIsa> isas = compiled_isas();
  if (isas.empty()) GTEST_SKIP() << "built without AVX2 + FMA: the kernel declines everything";
  const char* dirs[] = {"forward", "reverse", "bidirectional"};
  for (RecurrentIsa isa : isas) {
    IsaScope scope(isa);
    for (const char* op : {"LSTM", "GRU", "RNN"})
      for (int c = 0; c < 18; ++c) {
        // Hidden sizes around the 8 and 16 lane widths, and a few above them.
        const int64_t H = c % 3 == 0 ? pick(1, 7) : c % 3 == 1 ? pick(15, 40) : pick(60, 70);
        const Shape4 sh{pick(1, 6), pick(1, 4), pick(1, 24), H};
        check(make_case(op, dirs[c % 3], c % 2, sh), isa, pick(1, 2));
      }
  }
}

TEST(NativeRecurrent, MatchesReferenceWithThreadsSplittingSteps) {
  // Steps big enough (G H H N >= 64 Ki multiply-adds) for two threads to split a direction's
  // blocks and meet at a barrier after each step; bidirectional: a direction per thread.
  for (RecurrentIsa isa : compiled_isas()) {
    IsaScope scope(isa);
    check(make_case("LSTM", "forward", 0, {5, 1, 12, 130}), isa, 2);
    check(make_case("GRU", "reverse", 1, {4, 3, 9, 150}), isa, 2);
    check(make_case("LSTM", "bidirectional", 1, {4, 2, 10, 131}), isa, 2);
    check(make_case("RNN", "forward", 0, {3, 4, 7, 260}), isa, 2);
  }
}

TEST(NativeRecurrent, LeavesWhatItDoesNotRunToTheOtherKernels) {
  if (compiled_isas().empty()) GTEST_SKIP() << "built without AVX2 + FMA";
  auto declined = [](Case c, const std::function<void(Case&)>& change) {
    change(c);
    testing::CheckOptions options;
    options.only = "native:recurrent";
    return !testing::check_kernels(c.node, c.ins, options).ran_kernel("native:recurrent");
  };
  const Case lstm = make_case("LSTM", "forward", 0, {3, 2, 4, 5});
  const Case gru = make_case("GRU", "bidirectional", 1, {3, 2, 4, 5});
  EXPECT_TRUE(declined(lstm, [](Case& c) { c.node.attrs.set("clip", 0.5f); }));
  EXPECT_TRUE(declined(lstm, [](Case& c) { c.node.attrs.set("input_forget", int64_t{1}); }));
  EXPECT_TRUE(declined(gru, [](Case& c) { c.node.attrs.set("linear_before_reset", int64_t{0}); }));
  EXPECT_TRUE(declined(gru, [](Case& c) {
    c.node.attrs.set("activations", std::vector<std::string>{"HardSigmoid", "Tanh", "HardSigmoid", "Tanh"});
  }));
  EXPECT_TRUE(declined(lstm, [](Case& c) { c.ins[2].constant = false; }));
  EXPECT_TRUE(declined(make_case("LSTM", "forward", 0, {3, 5, 4, 5}), [](Case&) {}));  // batch > 4
  // sequence_lens known only at run time. (Out of range ones are declined too, for the
  // reference to report: Recurrent.SequenceLensOutOfRangeIsAnError.)
  EXPECT_TRUE(declined(gru, [](Case& c) { c.ins[4] = {i32s({3, 2})}; }));
  // Constant lengths, shorter ones and an empty one included: taken.
  EXPECT_FALSE(declined(gru, [](Case& c) { c.ins[4] = testing::constant(i32s({0, 2})); }));
}

}  // namespace
}  // namespace layerscope
