// The oneDNN RNN kernel (kernels/onednn/rnn.cpp) against the reference kernel of RNN, GRU and
// LSTM, through the kernel harness (tests/common/kernel_check.h), on random nodes: every
// direction, both layouts, batch > 1, optional inputs and outputs at random (an LSTM's
// initial_c without initial_h and the reverse, Y absent, ...), GRU's both reset forms, LSTM
// peepholes, 1 or 2 threads. |kernel - ref| <= 1e-4 * max(1, max|ref|).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <map>
#include <random>

#include "common/kernel_check.h"

namespace layerscope {
namespace {

using testing::CaseInput;

std::mt19937& rng() {
  static std::mt19937 r(1313);
  return r;
}
int pick(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng()); }
bool coin() { return pick(0, 1) == 1; }

Tensor i32s(const std::vector<int32_t>& v) {
  Tensor t(DType::I32, {static_cast<int64_t>(v.size())});
  std::copy(v.begin(), v.end(), t.data_as<int32_t>());
  return t;
}

struct RecurrentCase {
  Node node;
  std::vector<CaseInput> ins;
  int64_t seq = 0, batch = 0;
};

// One random node of `op` in `layout` that the oneDNN kernel should take: W, R, B, P constant;
// sequence_lens, when given, a constant equal to seq_length everywhere.
RecurrentCase random_recurrent(const std::string& op, int layout) {
  const int G = op == "LSTM" ? 4 : op == "GRU" ? 3 : 1;
  const char* dirs[] = {"forward", "reverse", "bidirectional"};
  const std::string dir = dirs[pick(0, 2)];
  const int64_t D = dir == "bidirectional" ? 2 : 1, T = pick(1, 7), N = pick(1, 4), I = pick(1, 20), H = pick(1, 20);
  Attributes a;
  a.set("direction", dir);
  if (coin()) a.set("hidden_size", H);
  if (layout == 1 || coin()) a.set("layout", int64_t{layout});
  if (op == "GRU") a.set("linear_before_reset", int64_t{pick(0, 1)});
  const Shape seq = layout == 0 ? Shape{T, N, I} : Shape{N, T, I};
  const Shape state = layout == 0 ? Shape{D, N, H} : Shape{N, D, H};
  const float s = 1.f / std::sqrt(static_cast<float>(H));
  auto maybe = [](bool present, CaseInput in) { return present ? in : testing::omitted_input(); };
  std::vector<CaseInput> ins{{testing::random_f32(rng(), seq)},
                             testing::constant(testing::random_f32(rng(), {D, G * H, I}, -s, s)),
                             testing::constant(testing::random_f32(rng(), {D, G * H, H}, -s, s))};
  ins.push_back(maybe(coin(), testing::constant(testing::random_f32(rng(), {D, 2 * G * H}, -0.5f, 0.5f))));
  ins.push_back(maybe(pick(0, 3) == 0, testing::constant(i32s(std::vector<int32_t>(N, static_cast<int32_t>(T))))));
  ins.push_back(maybe(coin(), {testing::random_f32(rng(), state)}));
  if (op == "LSTM") {
    ins.push_back(maybe(coin(), {testing::random_f32(rng(), state)}));
    ins.push_back(maybe(coin(), testing::constant(testing::random_f32(rng(), {D, 3 * H}, -0.5f, 0.5f))));
  }
  Node n = testing::make_node(op, 14, ins.size(), op == "LSTM" ? 3 : 2, a);
  // Some outputs unrequested (empty names), never all of them.
  const int first_output = n.outputs[0];
  for (int& o : n.outputs)
    if (pick(0, 3) == 0) o = -1;
  if (std::all_of(n.outputs.begin(), n.outputs.end(), [](int v) { return v < 0; })) n.outputs[0] = first_output;
  return {n, ins, T, N};
}

TEST(RecurrentKernels, OnednnMatchesReferenceOnRandomNodes) {
  std::map<std::string, int> implementations;
  for (const char* op : {"RNN", "GRU", "LSTM"})
    for (int c = 0; c < 24; ++c) {
      const RecurrentCase rc = random_recurrent(op, c % 2);
      testing::CheckOptions options;
      options.threads = pick(1, 2);
      const testing::KernelCheck check = testing::check_kernels(rc.node, rc.ins, options);
      const testing::KernelRun* run = check.find("onednn:rnn");
      EXPECT_NE(run, nullptr) << Graph::describe(rc.node) << " X " << shape_to_string(rc.ins[0].t.shape());
      if (run) ++implementations[run->implementation];
    }
  for (const auto& [name, count] : implementations) std::printf("%s: %d cases\n", name.c_str(), count);
}

TEST(RecurrentKernels, OnednnDeclinesWhatItCannotExpress) {
  // Left to the reference kernel: clip, input_forget, non-default activations, weights known
  // only at run time, sequence lengths other than seq_length.
  auto declined = [](RecurrentCase rc, const std::function<void(RecurrentCase&)>& change) {
    change(rc);
    return !testing::check_kernels(rc.node, rc.ins).ran_kernel("onednn:rnn");
  };
  const RecurrentCase lstm = random_recurrent("LSTM", 0), gru = random_recurrent("GRU", 1);
  EXPECT_TRUE(declined(lstm, [](RecurrentCase& r) { r.node.attrs.set("clip", 0.5f); }));
  EXPECT_TRUE(declined(lstm, [](RecurrentCase& r) { r.node.attrs.set("input_forget", int64_t{1}); }));
  EXPECT_TRUE(declined(gru, [](RecurrentCase& r) {
    const int dirs = r.node.attrs.get_string("direction", "") == "bidirectional" ? 2 : 1;
    std::vector<std::string> acts;
    for (int d = 0; d < dirs; ++d) acts.insert(acts.end(), {"HardSigmoid", "Tanh"});
    r.node.attrs.set("activations", acts);
  }));
  EXPECT_TRUE(declined(lstm, [](RecurrentCase& r) { r.ins[2].constant = false; }));
  EXPECT_TRUE(declined(gru, [](RecurrentCase& r) {
    std::vector<int32_t> lens(r.batch, static_cast<int32_t>(r.seq));
    lens[0] = static_cast<int32_t>(r.seq) - 1;  // one sequence shorter (0 when seq_length is 1)
    r.ins[4] = testing::constant(i32s(lens));
  }));
  EXPECT_TRUE(declined(gru, [](RecurrentCase& r) {
    r.ins[4] = {i32s(std::vector<int32_t>(r.batch, static_cast<int32_t>(r.seq)))};  // full, but not constant
  }));
}

}  // namespace
}  // namespace layerscope
