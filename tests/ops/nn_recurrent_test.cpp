// RNN, GRU, LSTM: shape inference (layouts, directions, absent outputs) and its errors, the
// cost, and the reference kernel on hand-computed steps and on properties that tie its
// features together (sequence_lens, reverse and bidirectional, layout 1 = layout 0 transposed).
// onnxruntime checks the same kernel on 87 nodes in ctest recurrent_ort.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>

#include "attr_check.h"
#include "common/kernel_check.h"
#include "ir/error.h"
#include "registry/registry.h"

namespace layerscope {
namespace {

using testing::attrs;
using testing::f32;

Node make_node(const std::string& op, int opset, Attributes attrs, const std::vector<bool>& present, int n_out) {
  Node n;
  n.name = "rec";
  n.op_type = op;
  n.opset = opset;
  n.attrs = std::move(attrs);
  for (size_t i = 0; i < present.size(); ++i) n.inputs.push_back(present[i] ? static_cast<int>(i) : -1);
  for (int i = 0; i < n_out; ++i) n.outputs.push_back(100 + i);
  return n;
}

const OpDef& op_def(const std::string& op, int opset) {
  const OpDef* d = Registry::builtin().find_op("", op, opset);
  if (!d) fail("no OpDef for ", op, " at opset ", opset);
  return *d;
}

// Infers node `n` over (dtype, shape) inputs (dtype Undefined = omitted).
std::vector<TensorInfo> infer(const Node& n, const std::vector<TensorInfo>& in) {
  testing::expect_declared_attributes(n);
  InferContext ctx(n, in, std::vector<const Tensor*>(in.size(), nullptr));
  op_def(n.op_type, n.opset).infer(ctx);
  return ctx.outputs();
}

std::vector<bool> presence(const std::vector<TensorInfo>& in) {
  std::vector<bool> p;
  for (const TensorInfo& t : in) p.push_back(t.dtype != DType::Undefined);
  return p;
}

std::string infer_error(const std::string& op, Attributes a, const std::vector<TensorInfo>& in, int n_out = 2) {
  try {
    infer(make_node(op, 14, std::move(a), presence(in), n_out), in);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TensorInfo F(Shape s) { return {DType::F32, std::move(s)}; }
const TensorInfo kNone{};

// Runs the reference kernel (empty tensors = omitted inputs); every output requested.
std::vector<Tensor> run(const std::string& op, Attributes a, const std::vector<Tensor>& inputs, int opset = 14) {
  std::vector<TensorInfo> info;
  std::vector<const Tensor*> ptrs;
  for (const Tensor& t : inputs) {
    info.push_back(t.empty() ? TensorInfo{} : TensorInfo{t.dtype(), t.shape()});
    ptrs.push_back(t.empty() ? nullptr : &t);
  }
  const Node n = make_node(op, opset, std::move(a), presence(info), op == "LSTM" ? 3 : 2);
  std::vector<Tensor> outs;
  for (const TensorInfo& t : infer(n, info)) outs.emplace_back(t.dtype, t.shape);
  std::vector<Tensor*> out_ptrs;
  for (Tensor& t : outs) out_ptrs.push_back(&t);
  op_def(op, opset).reference(n, ptrs, out_ptrs);
  return outs;
}

Tensor random_f32(std::mt19937& rng, Shape s, float scale = 1.f) {
  Tensor t(DType::F32, std::move(s));
  std::uniform_real_distribution<float> u(-scale, scale);
  for (int64_t i = 0; i < t.numel(); ++i) t.data_as<float>()[i] = u(rng);
  return t;
}

Tensor i32(std::vector<int32_t> v) {
  Tensor t(DType::I32, {static_cast<int64_t>(v.size())});
  std::copy(v.begin(), v.end(), t.data_as<int32_t>());
  return t;
}

float at(const Tensor& t, std::initializer_list<int64_t> idx) {
  int64_t off = 0, k = 0;
  for (int64_t i : idx) off = off * t.shape()[k++] + i;
  return t.data_as<float>()[off];
}

// ---------------- shape inference ----------------

TEST(Recurrent, InferShapesBothLayouts) {
  // LSTM, bidirectional, T=5, N=2, I=3, H=4: Y [T, D, N, H], states [D, N, H] ...
  const std::vector<TensorInfo> in0 = {F({5, 2, 3}), F({2, 16, 3}), F({2, 16, 4})};
  auto out = infer(make_node("LSTM", 14, attrs({{"direction", std::string("bidirectional")}}), presence(in0), 3), in0);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].shape, (Shape{5, 2, 2, 4}));
  EXPECT_EQ(out[1].shape, (Shape{2, 2, 4}));
  EXPECT_EQ(out[2].shape, (Shape{2, 2, 4}));
  // ... and batch-major: X [N, T, I], Y [N, T, D, H], states [N, D, H].
  const std::vector<TensorInfo> in1 = {F({2, 5, 3}), F({2, 16, 3}), F({2, 16, 4}), kNone, kNone, F({2, 2, 4})};
  out = infer(make_node("LSTM", 14, attrs({{"direction", std::string("bidirectional")}, {"layout", int64_t{1}}}),
                        presence(in1), 3),
              in1);
  EXPECT_EQ(out[0].shape, (Shape{2, 5, 2, 4}));
  EXPECT_EQ(out[1].shape, (Shape{2, 2, 4}));
  // GRU with only Y_h requested (Y's name empty), hidden_size from R; RNN at opset 7.
  const std::vector<TensorInfo> gru = {F({7, 1, 3}), F({1, 15, 3}), F({1, 15, 5})};
  Node g = make_node("GRU", 14, {}, presence(gru), 2);
  g.outputs[0] = -1;
  out = infer(g, gru);
  EXPECT_EQ(out[1].shape, (Shape{1, 1, 5}));
  const std::vector<TensorInfo> rnn = {F({4, 3, 2}), F({1, 6, 2}), F({1, 6, 6})};
  out = infer(make_node("RNN", 7, attrs({{"hidden_size", int64_t{6}}}), presence(rnn), 1), rnn);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].shape, (Shape{4, 1, 3, 6}));
}

TEST(Recurrent, InferErrorsNameTheProblem) {
  const std::vector<TensorInfo> ok = {F({5, 2, 3}), F({1, 12, 3}), F({1, 12, 4})};  // GRU, H = 4
  EXPECT_EQ(infer_error("GRU", {}, ok), "");
  auto with = [&](int i, TensorInfo t) {
    std::vector<TensorInfo> in = ok;
    in.resize(std::max<size_t>(in.size(), i + 1));
    in[i] = t;
    return in;
  };
  auto has = [](const std::string& msg, const std::string& part) {
    return msg.find(part) != std::string::npos && msg.find("'GRU' node 'rec'") != std::string::npos;
  };
  EXPECT_TRUE(has(infer_error("GRU", {}, with(1, F({1, 12, 4}))), "W has shape (1,12,4); expected (1,12,3)"));
  EXPECT_TRUE(has(infer_error("GRU", {}, with(2, F({1, 10, 4}))), "R has shape (1,10,4); expected (1,12,4)"));
  EXPECT_TRUE(has(infer_error("GRU", {}, with(3, F({1, 12}))), "B has shape (1,12); expected (1,24)"));
  EXPECT_TRUE(has(infer_error("GRU", {}, with(4, F({2}))), "sequence_lens"));  // FLOAT, must be INT32
  EXPECT_TRUE(has(infer_error("GRU", {}, with(4, {DType::I32, {3}})), "sequence_lens has shape (3); expected (2)"));
  EXPECT_TRUE(has(infer_error("GRU", {}, with(5, F({2, 2, 4}))), "initial_h has shape (2,2,4); expected (1,2,4)"));
  EXPECT_TRUE(has(infer_error("GRU", {}, with(0, F({5, 3}))), "X has shape (5,3); expected rank 3"));
  EXPECT_TRUE(has(infer_error("GRU", {}, with(0, {DType::I32, {5, 2, 3}})), "input X has type"));
  EXPECT_TRUE(has(infer_error("GRU", {}, with(0, {DType::F16, {5, 2, 3}})), "not supported"));
  EXPECT_TRUE(has(infer_error("GRU", attrs({{"direction", std::string("sideways")}}), ok),
                  "direction 'sideways' is not one of forward, reverse, bidirectional"));
  EXPECT_TRUE(has(infer_error("GRU", attrs({{"hidden_size", int64_t{5}}}), ok), "hidden_size is 5 but R has shape"));
  EXPECT_TRUE(has(infer_error("GRU", attrs({{"layout", int64_t{2}}}), ok), "layout is 2"));
  EXPECT_TRUE(has(infer_error("GRU", attrs({{"clip", -1.f}}), ok), "clip is -1; expected a positive threshold"));
  EXPECT_TRUE(has(infer_error("GRU", attrs({{"activations", std::vector<std::string>{"Tanh"}}}), ok),
                  "lists 1 functions; expected 2 (2 per direction, 1 direction)"));
  EXPECT_TRUE(has(infer_error("GRU", attrs({{"activations", std::vector<std::string>{"Sigmoid", "Swish"}}}), ok),
                  "activation 'Swish' is not one of Relu, Tanh, Sigmoid"));
  // Alphas for activations that take none are ignored, as onnxruntime does.
  EXPECT_EQ(infer_error("GRU",
                        attrs({{"activations", std::vector<std::string>{"Sigmoid", "Tanh"}},
                               {"activation_alpha", std::vector<float>{0.5f}}}),
                        ok),
            "");
  EXPECT_TRUE(has(infer_error("GRU", {}, ok, 3), "expected at most 2 outputs, got 3"));
  EXPECT_TRUE(has(infer_error("GRU", {}, {F({5, 2, 3}), F({1, 12, 3})}), "expected 3 to 6 inputs"));
  // Names are matched regardless of case, as onnxruntime does.
  EXPECT_EQ(infer_error("GRU", attrs({{"activations", std::vector<std::string>{"sigmoid", "TANH"}}}), ok), "");
}

// ---------------- cost ----------------

TEST(Recurrent, CostCountsEveryStepAndDirection) {
  // LSTM, D=2, T=5, N=2, I=3, H=4: per step and direction 4 gates x (I + H) x H MACs per row.
  const std::vector<TensorInfo> in = {F({5, 2, 3}), F({2, 16, 3}), F({2, 16, 4})};
  const Node n = make_node("LSTM", 14, attrs({{"direction", std::string("bidirectional")}}), presence(in), 3);
  const std::vector<TensorInfo> out = infer(n, in);
  const Cost c = op_def("LSTM", 14).cost(CostContext{n, in, out});
  EXPECT_EQ(c.macs, 2.0 * 5 * 2 * 16 * (3 + 4));
  EXPECT_EQ(c.other_ops, 2.0 * 5 * 2 * (3 * 16 + 5 * 4));  // bias adds + activations per gate, c/h update
  EXPECT_EQ(c.bytes_read, 4 * (30 + 96 + 128));
  EXPECT_EQ(c.bytes_written, 4 * (80 + 16 + 16));
  // Layout 1 counts the same.
  const std::vector<TensorInfo> in1 = {F({2, 5, 3}), F({2, 16, 3}), F({2, 16, 4})};
  const Node n1 = make_node("LSTM", 14, attrs({{"direction", std::string("bidirectional")}, {"layout", int64_t{1}}}),
                            presence(in1), 3);
  EXPECT_EQ(op_def("LSTM", 14).cost(CostContext{n1, in1, infer(n1, in1)}).macs, c.macs);
}

// ---------------- reference kernel ----------------

TEST(Recurrent, RnnStepsByHand) {
  // I = H = 1: h_t = tanh(0.5 x_t - h_{t-1} + 0.1 + 0.2), from h_0 = 0.3.
  const std::vector<Tensor> in = {
      f32({3, 1, 1}, {1, 2, 3}), f32({1, 1, 1}, {0.5f}), f32({1, 1, 1}, {-1}), f32({1, 2}, {0.1f, 0.2f}), Tensor{},
      f32({1, 1, 1}, {0.3f})};
  std::vector<Tensor> out = run("RNN", {}, in);
  double h = 0.3;
  for (int t = 0; t < 3; ++t) {
    h = std::tanh(0.5 * (t + 1) - h + 0.3);
    EXPECT_NEAR(at(out[0], {t, 0, 0, 0}), h, 1e-6) << t;
  }
  EXPECT_NEAR(at(out[1], {0, 0, 0}), h, 1e-6);
  // Reverse: the same recurrence from x_3 down to x_1; Y_h is the state after x_1.
  out = run("RNN", attrs({{"direction", std::string("reverse")}}), in);
  h = 0.3;
  for (int t = 2; t >= 0; --t) {
    h = std::tanh(0.5 * (t + 1) - h + 0.3);
    EXPECT_NEAR(at(out[0], {t, 0, 0, 0}), h, 1e-6) << t;
  }
  EXPECT_NEAR(at(out[1], {0, 0, 0}), h, 1e-6);
}

TEST(Recurrent, LstmStepByHandWithPeepholes) {
  // One step, I = H = 1, W rows (i, o, f, c) = 1, 2, 3, 4, R = 0, B = 0, P (i, o, f) = 0.5,
  // 0.25, 0.125, c_0 = 2, h_0 = 0, x = 1:
  //   i = s(1 + 0.5*2), f = s(3 + 0.125*2), c~ = tanh(4), c = f*2 + i*c~, o = s(2 + 0.25*c), h = o*tanh(c).
  const std::vector<Tensor> in = {f32({1, 1, 1}, {1}),
                                  f32({1, 4, 1}, {1, 2, 3, 4}),
                                  f32({1, 4, 1}, {0, 0, 0, 0}),
                                  Tensor{},
                                  Tensor{},
                                  Tensor{},
                                  f32({1, 1, 1}, {2}),
                                  f32({1, 3}, {0.5f, 0.25f, 0.125f})};
  const std::vector<Tensor> out = run("LSTM", {}, in);
  auto s = [](double v) { return 1 / (1 + std::exp(-v)); };
  const double i = s(2), f = s(3.25), c = f * 2 + i * std::tanh(4.0), o = s(2 + 0.25 * c);
  EXPECT_NEAR(at(out[2], {0, 0, 0}), c, 1e-6);
  EXPECT_NEAR(at(out[1], {0, 0, 0}), o * std::tanh(c), 1e-6);
  EXPECT_NEAR(at(out[0], {0, 0, 0, 0}), o * std::tanh(c), 1e-6);
}

TEST(Recurrent, GruLinearBeforeResetByHand) {
  // One step, I = H = 1, W (z, r, h) = 1, 1, 1, R = 1, 1, 2, Wb = 0, Rb_h = 0.5, h_0 = 1, x = 1:
  //   z = r = s(2); default    h~ = tanh(1 + (r*1)*2 + 0.5)
  //                 lbr        h~ = tanh(1 + r*(1*2 + 0.5));  h = (1-z) h~ + z h_0.
  const std::vector<Tensor> in = {f32({1, 1, 1}, {1}),
                                  f32({1, 3, 1}, {1, 1, 1}),
                                  f32({1, 3, 1}, {1, 1, 2}),
                                  f32({1, 6}, {0, 0, 0, 0, 0, 0.5f}),
                                  Tensor{},
                                  f32({1, 1, 1}, {1})};
  const double z = 1 / (1 + std::exp(-2.0)), r = z;
  const double plain = std::tanh(1 + r * 2 + 0.5), lbr = std::tanh(1 + r * 2.5);
  EXPECT_NEAR(at(run("GRU", {}, in)[1], {0, 0, 0}), (1 - z) * plain + z, 1e-6);
  EXPECT_NEAR(at(run("GRU", attrs({{"linear_before_reset", int64_t{1}}}), in)[1], {0, 0, 0}), (1 - z) * lbr + z, 1e-6);
}

TEST(Recurrent, OpsetsOneToSixAreOpsetSevenWithOutputSequence) {
  // Opsets 1-6 only had `output_sequence` (whether Y is optional) and, for GRU before 3, no
  // linear_before_reset: the same nodes must give opset 7's results.
  std::mt19937 rng(7);
  const int64_t T = 5, B = 2, I = 3, H = 4;
  for (const std::string op : {"RNN", "GRU", "LSTM"}) {
    const int64_t gates = op == "LSTM" ? 4 : op == "GRU" ? 3 : 1;
    const std::vector<Tensor> in = {random_f32(rng, {T, B, I}), random_f32(rng, {1, gates * H, I}),
                                    random_f32(rng, {1, gates * H, H}), random_f32(rng, {1, 2 * gates * H})};
    const Attributes hidden = attrs({{"hidden_size", H}});
    const std::vector<Tensor> want = run(op, hidden, in, 7);
    for (int opset : {1, 6}) {
      const std::vector<Tensor> got = run(op, attrs({{"hidden_size", H}, {"output_sequence", int64_t{1}}}), in, opset);
      ASSERT_EQ(got.size(), want.size());
      for (size_t k = 0; k < got.size(); ++k) {
        ASSERT_EQ(got[k].shape(), want[k].shape()) << op << " opset " << opset << " output " << k;
        EXPECT_EQ(std::memcmp(got[k].data(), want[k].data(), got[k].nbytes()), 0)
            << op << " opset " << opset << " output " << k;
      }
    }
  }
  const auto declares = [](int opset, const std::string& name) {
    for (const AttrSpec& a : op_def("GRU", opset).attributes)
      if (a.name == name && a.applies(opset)) return true;
    return false;
  };
  EXPECT_FALSE(declares(1, "linear_before_reset"));
  EXPECT_TRUE(declares(3, "linear_before_reset"));
  EXPECT_TRUE(declares(3, "output_sequence"));
  EXPECT_FALSE(declares(7, "output_sequence"));
}

TEST(Recurrent, SequenceLensZeroPastTheEnd) {
  // Bidirectional LSTM, T=4, N=3, lengths 4, 2, 0: Y is zero past each length; Y_h is the
  // forward output at step len-1 and the reverse output at step 0; an empty sequence gives 0.
  std::mt19937 rng(7);
  const int64_t T = 4, N = 3, I = 2, H = 3;
  const std::vector<Tensor> in = {random_f32(rng, {T, N, I}),
                                  random_f32(rng, {2, 4 * H, I}, 0.6f),
                                  random_f32(rng, {2, 4 * H, H}, 0.6f),
                                  random_f32(rng, {2, 8 * H}, 0.5f),
                                  i32({4, 2, 0}),
                                  random_f32(rng, {2, N, H}),
                                  random_f32(rng, {2, N, H})};
  const std::vector<Tensor> out = run("LSTM", attrs({{"direction", std::string("bidirectional")}}), in);
  const int lens[] = {4, 2, 0};
  for (int64_t b = 0; b < N; ++b)
    for (int64_t j = 0; j < H; ++j) {
      for (int64_t t = lens[b]; t < T; ++t)
        for (int64_t d = 0; d < 2; ++d) EXPECT_EQ(at(out[0], {t, d, b, j}), 0.f);
      if (lens[b] == 0) {
        for (int64_t d = 0; d < 2; ++d) {
          EXPECT_EQ(at(out[1], {d, b, j}), 0.f);
          EXPECT_EQ(at(out[2], {d, b, j}), 0.f);
        }
        continue;
      }
      EXPECT_EQ(at(out[1], {0, b, j}), at(out[0], {lens[b] - 1, 0, b, j}));
      EXPECT_EQ(at(out[1], {1, b, j}), at(out[0], {0, 1, b, j}));
      EXPECT_NE(at(out[0], {0, 0, b, j}), 0.f);
    }
  // A batch row's result does not depend on the others' lengths: row 1 alone, length 2.
  const std::vector<Tensor> alone = {
      f32({2, 1, I}, {at(in[0], {0, 1, 0}), at(in[0], {0, 1, 1}), at(in[0], {1, 1, 0}), at(in[0], {1, 1, 1})}),
      in[1],
      in[2],
      in[3],
      Tensor{},
      f32({2, 1, H}, {at(in[5], {0, 1, 0}), at(in[5], {0, 1, 1}), at(in[5], {0, 1, 2}), at(in[5], {1, 1, 0}),
                      at(in[5], {1, 1, 1}), at(in[5], {1, 1, 2})}),
      f32({2, 1, H}, {at(in[6], {0, 1, 0}), at(in[6], {0, 1, 1}), at(in[6], {0, 1, 2}), at(in[6], {1, 1, 0}),
                      at(in[6], {1, 1, 1}), at(in[6], {1, 1, 2})})};
  const std::vector<Tensor> one = run("LSTM", attrs({{"direction", std::string("bidirectional")}}), alone);
  for (int64_t d = 0; d < 2; ++d)
    for (int64_t j = 0; j < H; ++j) EXPECT_FLOAT_EQ(at(one[1], {d, 0, j}), at(out[1], {d, 1, j}));
}

TEST(Recurrent, BidirectionalIsForwardPlusReverseAndLayout1IsATranspose) {
  std::mt19937 rng(11);
  const int64_t T = 5, N = 2, I = 3, H = 4, G = 3;
  const Tensor x = random_f32(rng, {T, N, I}), w = random_f32(rng, {2, G * H, I}, 0.5f),
               r = random_f32(rng, {2, G * H, H}, 0.5f), b = random_f32(rng, {2, 2 * G * H}, 0.5f),
               h0 = random_f32(rng, {2, N, H});
  const Attributes bi = attrs({{"direction", std::string("bidirectional")}});
  const std::vector<Tensor> both = run("GRU", bi, {x, w, r, b, Tensor{}, h0});
  // Direction 1 alone, as a reverse GRU with the second halves of W, R, B, initial_h.
  auto half = [](const Tensor& t) {
    Shape s = t.shape();
    s[0] = 1;
    Tensor h(DType::F32, s);
    std::copy(t.data_as<float>() + h.numel(), t.data_as<float>() + 2 * h.numel(), h.data_as<float>());
    return h;
  };
  const std::vector<Tensor> rev =
      run("GRU", attrs({{"direction", std::string("reverse")}}), {x, half(w), half(r), half(b), Tensor{}, half(h0)});
  for (int64_t t = 0; t < T; ++t)
    for (int64_t n = 0; n < N; ++n)
      for (int64_t j = 0; j < H; ++j) EXPECT_EQ(at(both[0], {t, 1, n, j}), at(rev[0], {t, 0, n, j}));
  // Layout 1: the same numbers with X, initial_h, Y and Y_h batch-major.
  Tensor x1(DType::F32, {N, T, I}), h01(DType::F32, {N, 2, H});
  for (int64_t t = 0; t < T; ++t)
    for (int64_t n = 0; n < N; ++n)
      for (int64_t i = 0; i < I; ++i) x1.data_as<float>()[(n * T + t) * I + i] = at(x, {t, n, i});
  for (int64_t d = 0; d < 2; ++d)
    for (int64_t n = 0; n < N; ++n)
      for (int64_t j = 0; j < H; ++j) h01.data_as<float>()[(n * 2 + d) * H + j] = at(h0, {d, n, j});
  Attributes bi1 = bi;
  bi1.set("layout", int64_t{1});
  const std::vector<Tensor> l1 = run("GRU", bi1, {x1, w, r, b, Tensor{}, h01});
  for (int64_t t = 0; t < T; ++t)
    for (int64_t d = 0; d < 2; ++d)
      for (int64_t n = 0; n < N; ++n)
        for (int64_t j = 0; j < H; ++j) {
          EXPECT_EQ(at(l1[0], {n, t, d, j}), at(both[0], {t, d, n, j}));
          if (t == 0) {
            EXPECT_EQ(at(l1[1], {n, d, j}), at(both[1], {d, n, j}));
          }
        }
}

TEST(Recurrent, SequenceLensOutOfRangeIsAnError) {
  const std::vector<Tensor> in = {f32({2, 1, 1}, {1, 2}), f32({1, 1, 1}, {1}), f32({1, 1, 1}, {1}), Tensor{}, i32({3})};
  try {
    run("RNN", {}, in);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(
        std::string(e.what()).find("'RNN' node 'rec' (opset 14): sequence_lens[0] is 3; expected 0 to seq_length 2"),
        std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace layerscope
