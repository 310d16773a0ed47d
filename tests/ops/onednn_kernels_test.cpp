// oneDNN kernels vs the ops' reference kernels on random shapes and attributes, through the
// kernel harness (tests/common/kernel_check.h): each case builds one node, infers its outputs
// (constant inputs' values visible, as at plan time), runs the reference, then every registered
// kernel that accepts the node -- the oneDNN one and any native one -- and compares:
// |kernel - ref| <= 1e-4 * max(1, max|ref|) (fp32 accumulation order differs). The tests here
// count how often the oneDNN kernel accepts the random cases.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <random>

#include "common/kernel_check.h"

namespace layerscope {
namespace {

using testing::make_node;

struct In {
  Tensor t;  // empty() = omitted optional input
  bool constant = false;
};

Tensor random_tensor(std::mt19937& rng, Shape shape, float lo = -1.f, float hi = 1.f) {
  return testing::random_f32(rng, std::move(shape), lo, hi);
}
Tensor i64_tensor(const std::vector<int64_t>& v) { return testing::i64s(v); }
Tensor f32_tensor(const std::vector<float>& v) { return testing::f32s(v); }

struct Outcome {
  bool supported = false;  // the oneDNN kernel accepted the node (and matched the reference)
  std::string name;        // its implementation, e.g. onednn:brgconv:avx512_core
};

// Every kernel of the op against the reference; reports whether the oneDNN one took the node.
Outcome run_case(const Node& node, const std::vector<In>& ins, int threads = 1) {
  std::vector<testing::CaseInput> inputs;
  for (const In& in : ins) inputs.push_back({in.t, in.constant, in.t.empty()});
  const testing::KernelCheck r = testing::check_kernels(node, inputs, {.threads = threads});
  const bool registered =
      r.ran_kernel("onednn:") || std::any_of(r.declined.begin(), r.declined.end(),
                                             [](const std::string& k) { return k.rfind("onednn:", 0) == 0; });
  EXPECT_TRUE(registered) << "no onednn kernel registered for " << node.op_type;
  if (const testing::KernelRun* k = r.find("onednn:")) {
    EXPECT_EQ(k->implementation.rfind("onednn:", 0), 0u) << k->implementation;
    return {true, k->implementation};
  }
  return {};
}

std::mt19937& rng() {
  static std::mt19937 r(1234);
  return r;
}
int pick(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng()); }
bool coin() { return pick(0, 1) == 1; }

// ---------------------------------------------------------------------------------- Conv

TEST(OnednnKernels, ConvRandom) {
  int supported = 0, total = 60;
  for (int c = 0; c < total; ++c) {
    const int sp = pick(1, 3);  // spatial rank
    const int group = pick(0, 2) == 0 ? 2 : 1;
    const int64_t cin = group * pick(1, 4), cout = group * pick(1, 4), n = pick(1, 2);
    Shape x{n, cin}, w{cout, cin / group};
    std::vector<int64_t> ks, st, dl, pads(2 * sp);
    for (int i = 0; i < sp; ++i) {
      ks.push_back(pick(1, 3));
      st.push_back(pick(1, 2));
      dl.push_back(pick(1, 2));
      x.push_back(pick(sp == 3 ? 4 : 5, sp == 3 ? 7 : 11));
      w.push_back(ks.back());
      pads[i] = pick(0, ks.back() - 1);
      pads[i + sp] = pick(0, ks.back() - 1);
    }
    Attributes a;
    a.set("strides", st);
    a.set("dilations", dl);
    if (group > 1) a.set("group", int64_t{group});
    const int pad_mode = pick(0, 3);
    if (pad_mode == 0) a.set("auto_pad", std::string("SAME_UPPER"));
    else if (pad_mode == 1) a.set("auto_pad", std::string("SAME_LOWER"));
    else a.set("pads", pads);
    if (coin()) a.set("kernel_shape", ks);
    const bool bias = coin(), wconst = pick(0, 3) != 0;
    std::vector<In> ins{{random_tensor(rng(), x)}, {random_tensor(rng(), w), wconst}};
    if (bias) ins.push_back({random_tensor(rng(), {cout}), coin()});
    Outcome o = run_case(make_node("Conv", 11, static_cast<int>(ins.size()), 1, a), ins);
    supported += o.supported;
  }
  std::printf("supported %d/%d\n", supported, total);
  EXPECT_GE(supported, total * 9 / 10);
}

TEST(OnednnKernels, ConvDepthwiseAndNames) {
  Attributes a;
  a.set("group", int64_t{8});
  a.set("pads", std::vector<int64_t>{1, 1, 1, 1});
  Outcome o = run_case(make_node("Conv", 11, 3, 1, a), {{random_tensor(rng(), {1, 8, 14, 14})},
                                                        {random_tensor(rng(), {8, 1, 3, 3}), true},
                                                        {random_tensor(rng(), {8}), true}});
  EXPECT_TRUE(o.supported);
  a = Attributes();
  a.set("pads", std::vector<int64_t>{1, 1, 1, 1});
  o = run_case(make_node("Conv", 11, 2, 1, a),
               {{random_tensor(rng(), {1, 16, 20, 20})}, {random_tensor(rng(), {32, 16, 3, 3}), true}}, 2);
  EXPECT_TRUE(o.supported);
  std::printf("conv 16->32 3x3 implementation: %s\n", o.name.c_str());
}

TEST(OnednnKernels, ConvTransposeRandom) {
  int supported = 0, total = 50;
  for (int c = 0; c < total; ++c) {
    const int sp = pick(1, 3);
    const int group = pick(0, 2) == 0 ? 2 : 1;
    const int64_t cin = group * pick(1, 3), cout = group * pick(1, 3), n = pick(1, 2);
    Shape x{n, cin}, w{cin, cout / group};
    std::vector<int64_t> ks, st, dl, pads(2 * sp), opad;
    for (int i = 0; i < sp; ++i) {
      ks.push_back(pick(1, 4));
      st.push_back(pick(1, 3));
      dl.push_back(pick(1, 2));
      x.push_back(pick(2, sp == 3 ? 4 : 7));
      w.push_back(ks.back());
      pads[i] = pick(0, ks.back() - 1);
      pads[i + sp] = pick(0, ks.back() - 1);
      opad.push_back(pick(0, std::min(st.back(), dl.back()) - 1));
    }
    Attributes a;
    a.set("strides", st);
    a.set("dilations", dl);
    if (group > 1) a.set("group", int64_t{group});
    const int mode = pick(0, 3);
    if (mode == 0) {
      a.set("auto_pad", std::string(coin() ? "SAME_UPPER" : "SAME_LOWER"));
    } else if (mode == 1) {  // output_shape larger than natural: pads computed by the geometry
      std::vector<int64_t> os;
      for (int i = 0; i < sp; ++i) os.push_back(st[i] * (x[2 + i] - 1) + (ks[i] - 1) * dl[i] + 1 + pick(0, st[i] - 1));
      a.set("output_shape", os);
    } else {
      a.set("pads", pads);
      a.set("output_padding", opad);
    }
    std::vector<In> ins{{random_tensor(rng(), x)}, {random_tensor(rng(), w), pick(0, 3) != 0}};
    if (coin()) ins.push_back({random_tensor(rng(), {cout}), true});
    supported += run_case(make_node("ConvTranspose", 11, static_cast<int>(ins.size()), 1, a), ins).supported;
  }
  std::printf("supported %d/%d\n", supported, total);
  EXPECT_GE(supported, total * 3 / 4);
}

// -------------------------------------------------------------------------- MatMul, Gemm

TEST(OnednnKernels, MatMulRandom) {
  int supported = 0, total = 60;
  for (int c = 0; c < total; ++c) {
    const int64_t M = pick(1, 17), K = pick(1, 33), N = pick(1, 19);
    const int ra = pick(1, 4), rb = pick(1, 4);
    Shape a, b;
    const int batch_rank = std::max(ra, rb) - 2;
    Shape batch;
    for (int i = 0; i < batch_rank; ++i) batch.push_back(pick(1, 3));
    for (int i = 0; i < ra - 2; ++i) a.push_back(coin() ? 1 : batch[batch_rank - (ra - 2) + i]);
    for (int i = 0; i < rb - 2; ++i) b.push_back(coin() ? 1 : batch[batch_rank - (rb - 2) + i]);
    if (ra >= 2) a.push_back(M);
    a.push_back(K);
    b.push_back(K);
    if (rb >= 2) b.push_back(N);
    Outcome o = run_case(make_node("MatMul", 13, 2, 1), {{random_tensor(rng(), a)}, {random_tensor(rng(), b), coin()}},
                         pick(1, 2));
    supported += o.supported;
  }
  std::printf("supported %d/%d\n", supported, total);
  EXPECT_GE(supported, total * 9 / 10);
}

TEST(OnednnKernels, GemmRandom) {
  int supported = 0, total = 60;
  for (int c = 0; c < total; ++c) {
    const int64_t M = pick(1, 13), K = pick(1, 21), N = pick(1, 17);
    const bool ta = coin(), tb = coin();
    Attributes at;
    at.set("transA", int64_t{ta});
    at.set("transB", int64_t{tb});
    if (coin()) at.set("alpha", 0.5f + pick(0, 4) * 0.25f);
    if (coin()) at.set("beta", pick(0, 4) * 0.5f);
    std::vector<In> ins{{random_tensor(rng(), ta ? Shape{K, M} : Shape{M, K})},
                        {random_tensor(rng(), tb ? Shape{N, K} : Shape{K, N}), coin()}};
    const int cshape = pick(0, 6);
    const Shape cs[] = {{}, {N}, {1, N}, {M, 1}, {M, N}, {1}, {1, 1}};
    if (cshape < 6 || coin()) ins.push_back({random_tensor(rng(), cs[cshape]), coin()});
    supported += run_case(make_node("Gemm", 13, static_cast<int>(ins.size()), 1, at), ins).supported;
  }
  std::printf("supported %d/%d\n", supported, total);
  EXPECT_GE(supported, total * 9 / 10);
}

// ------------------------------------------------------------------------------ Pooling

TEST(OnednnKernels, PoolRandom) {
  int supported = 0, undilated = 0;
  for (int c = 0; c < 80; ++c) {
    const bool max = coin();
    const int opset = max ? (coin() ? 12 : 10) : (coin() ? 19 : 11);
    const int sp = pick(1, 3);
    Shape x{pick(1, 2), pick(1, 4)};
    std::vector<int64_t> ks, st, dl, pads(2 * sp);
    for (int i = 0; i < sp; ++i) {
      ks.push_back(pick(1, 3));
      st.push_back(pick(1, 3));
      dl.push_back(opset >= 12 && opset != 11 && coin() ? 2 : 1);
      x.push_back(pick(sp == 3 ? 5 : 6, sp == 3 ? 8 : 13));
      pads[i] = pick(0, ks.back() - 1);
      pads[i + sp] = pick(0, ks.back() - 1);
    }
    Attributes a;
    a.set("kernel_shape", ks);
    a.set("strides", st);
    if (opset >= 12 && opset != 11) a.set("dilations", dl);
    if (coin()) a.set("ceil_mode", int64_t{1});
    if (pick(0, 3) == 0) a.set("auto_pad", std::string(coin() ? "SAME_UPPER" : "VALID"));
    else a.set("pads", pads);
    if (!max) a.set("count_include_pad", int64_t{coin()});
    Outcome o = run_case(make_node(max ? "MaxPool" : "AveragePool", opset, 1, 1, a), {{random_tensor(rng(), x)}});
    // Dilated pooling only has oneDNN's reference implementation, which the kernel declines.
    const bool dilated = a.has("dilations") && dl != std::vector<int64_t>(sp, 1);
    if (!dilated) {
      ++undilated;
      supported += o.supported;
    }
  }
  std::printf("supported %d/%d undilated\n", supported, undilated);
  EXPECT_GE(supported, undilated * 9 / 10);
}

TEST(OnednnKernels, CommonPools) {
  Attributes a;
  a.set("kernel_shape", std::vector<int64_t>{3, 3});
  a.set("strides", std::vector<int64_t>{2, 2});
  a.set("pads", std::vector<int64_t>{1, 1, 1, 1});
  EXPECT_TRUE(run_case(make_node("MaxPool", 12, 1, 1, a), {{random_tensor(rng(), {1, 16, 28, 28})}}).supported);
  a.set("ceil_mode", int64_t{1});
  EXPECT_TRUE(run_case(make_node("MaxPool", 12, 1, 1, a), {{random_tensor(rng(), {1, 16, 28, 28})}}).supported);
  EXPECT_TRUE(run_case(make_node("AveragePool", 19, 1, 1, a), {{random_tensor(rng(), {1, 16, 28, 28})}}).supported);
  a.set("count_include_pad", int64_t{1});
  a.set("ceil_mode", int64_t{0});
  EXPECT_TRUE(run_case(make_node("AveragePool", 11, 1, 1, a), {{random_tensor(rng(), {1, 16, 28, 28})}}).supported);
  // ceil_mode would extend the last window past the declared pads: oneDNN would count it.
  a.set("ceil_mode", int64_t{1});
  a.set("pads", std::vector<int64_t>{0, 0, 0, 0});
  EXPECT_FALSE(run_case(make_node("AveragePool", 11, 1, 1, a), {{random_tensor(rng(), {1, 16, 28, 28})}}).supported);
}

TEST(OnednnKernels, GlobalPools) {
  for (const char* op : {"GlobalAveragePool", "GlobalMaxPool"})
    for (const Shape& x : {Shape{2, 3, 7}, Shape{1, 5, 6, 9}, Shape{2, 2, 3, 4, 5}})
      EXPECT_TRUE(run_case(make_node(op, 1, 1, 1), {{random_tensor(rng(), x)}}).supported) << op;
}

// ----------------------------------------------------------------------- Normalizations

TEST(OnednnKernels, BatchNormalization) {
  for (int opset : {9, 14, 15})
    for (const Shape& x : {Shape{2, 3}, Shape{2, 4, 5}, Shape{1, 3, 6, 7}, Shape{2, 2, 3, 4, 5}}) {
      const int64_t C = x[1];
      Attributes a;
      a.set("epsilon", 1e-3f);
      Outcome o =
          run_case(make_node("BatchNormalization", opset, 5, 1, a), {{random_tensor(rng(), x)},
                                                                     {random_tensor(rng(), {C}), true},
                                                                     {random_tensor(rng(), {C}), coin()},
                                                                     {random_tensor(rng(), {C}), true},
                                                                     {random_tensor(rng(), {C}, 0.1f, 2.f), true}});
      EXPECT_TRUE(o.supported) << shape_to_string(x);
    }
}

TEST(OnednnKernels, LayerNormalization) {
  for (int c = 0; c < 24; ++c) {
    const int rank = pick(1, 4);
    Shape x;
    for (int i = 0; i < rank; ++i) x.push_back(pick(1, 9));
    const int axis = pick(0, rank - 1);
    Attributes a;
    a.set("axis", int64_t{coin() ? axis : axis - rank});
    a.set("epsilon", 1e-4f);
    Shape ps(x.begin() + axis, x.end());
    const bool bias = coin();
    const int n_out = pick(1, 3);
    std::vector<In> ins{{random_tensor(rng(), x)}, {random_tensor(rng(), ps), coin()}};
    if (bias) ins.push_back({random_tensor(rng(), ps), coin()});
    Node n = make_node("LayerNormalization", 17, static_cast<int>(ins.size()), n_out, a);
    if (n_out == 3 && coin()) n.outputs[1] = -1;  // InvStdDev without Mean
    EXPECT_TRUE(run_case(n, ins).supported) << shape_to_string(x) << " axis " << axis;
  }
}

TEST(OnednnKernels, Softmax) {
  for (const char* op : {"Softmax", "LogSoftmax"})
    for (int opset : {11, 13})
      for (int c = 0; c < 8; ++c) {
        const int rank = pick(1, 4);
        Shape x;
        for (int i = 0; i < rank; ++i) x.push_back(pick(1, 8));
        Attributes a;
        const int axis = pick(-rank, rank - 1);
        a.set("axis", int64_t{axis});
        Outcome o = run_case(make_node(op, opset, 1, 1, a), {{random_tensor(rng(), x, -4.f, 4.f)}});
        // Softmax over a non-innermost axis only has oneDNN's reference implementation.
        bool inner = opset < 13 || axis == -1 || axis == rank - 1;
        for (int i = (axis + rank) % rank + 1; i < rank; ++i) inner &= x[i] == 1;
        if (inner) {
          EXPECT_TRUE(o.supported) << op << " " << shape_to_string(x) << " axis " << axis;
        }
      }
}

// ---------------------------------------------------------------------------- Reductions

TEST(OnednnKernels, Reductions) {
  const char* ops[] = {"ReduceSum",  "ReduceMean", "ReduceMax", "ReduceMin",
                       "ReduceProd", "ReduceL1",   "ReduceL2",  "ReduceSumSquare"};
  int supported = 0, total = 0;
  for (const char* op : ops)
    for (int opset : {13, 18})
      for (int c = 0; c < 5; ++c) {
        const int rank = pick(1, 4);
        Shape x;
        for (int i = 0; i < rank; ++i) x.push_back(pick(1, 6));
        std::vector<int64_t> axes;
        for (int i = 0; i < rank; ++i)
          if (coin()) axes.push_back(coin() ? i : i - rank);
        Attributes a;
        a.set("keepdims", int64_t{coin()});
        const bool axes_input = opset >= (std::string(op) == "ReduceSum" ? 13 : 18);
        std::vector<In> ins{{random_tensor(rng(), x, 0.5f, 1.5f)}};
        if (axes_input) {
          if (!axes.empty()) ins.push_back({i64_tensor(axes), true});
        } else if (!axes.empty()) {
          a.set("axes", axes);
        }
        Outcome o = run_case(make_node(op, opset, static_cast<int>(ins.size()), 1, a), ins);
        supported += o.supported;
        ++total;
      }
  // ReduceL1/L2/SumSquare and reductions of leading or middle dims only have oneDNN's
  // reference implementation in 2.6: the kernel declines those.
  std::printf("supported %d/%d\n", supported, total);
  EXPECT_GE(supported, total / 4);
  Attributes keep;
  keep.set("keepdims", int64_t{0});
  EXPECT_TRUE(run_case(make_node("ReduceMean", 18, 2, 1, keep),
                       {{random_tensor(rng(), {2, 8, 5, 6})}, {i64_tensor({2, 3}), true}})
                  .supported);
  EXPECT_TRUE(run_case(make_node("ReduceMean", 13, 1, 1, keep), {{random_tensor(rng(), {2, 8, 5, 6})}}).supported);
  EXPECT_TRUE(run_case(make_node("ReduceSum", 13, 2, 1, keep),
                       {{random_tensor(rng(), {3, 1, 7, 1})}, {i64_tensor({-2, -1}), true}})
                  .supported);
  EXPECT_TRUE(
      run_case(make_node("ReduceMax", 18, 2, 1, keep), {{random_tensor(rng(), {4, 9, 33})}, {i64_tensor({-1}), true}})
          .supported);
}

// ------------------------------------------------------------------------------- Resize

struct ResizeCase {
  std::string mode, coord, nearest;
  Shape x;
  std::vector<float> scales;
  std::vector<int64_t> sizes;
  bool expect_supported;
};

TEST(OnednnKernels, Resize) {
  const ResizeCase cases[] = {
      {"nearest", "asymmetric", "floor", {1, 2, 4, 5}, {1, 1, 2, 2}, {}, true},
      {"nearest", "asymmetric", "floor", {1, 2, 3, 4}, {1, 1, 3, 3}, {}, true},
      {"nearest", "half_pixel", "round_prefer_floor", {1, 2, 4, 5}, {1, 1, 2, 2}, {}, true},
      {"nearest", "asymmetric", "round_prefer_ceil", {1, 2, 4, 5}, {1, 1, 2, 2}, {}, false},
      {"nearest", "half_pixel", "round_prefer_floor", {1, 2, 8, 8}, {1, 1, 0.5f, 0.5f}, {}, false},
      {"linear", "half_pixel", "", {1, 3, 5, 6}, {1, 1, 2, 2}, {}, true},
      {"linear", "half_pixel", "", {2, 3, 8, 9}, {}, {2, 3, 5, 7}, true},
      {"linear", "pytorch_half_pixel", "", {1, 2, 4, 6}, {}, {1, 2, 7, 13}, true},
      {"linear", "pytorch_half_pixel", "", {1, 2, 4, 6}, {}, {1, 2, 1, 13}, false},
      {"linear", "align_corners", "", {1, 2, 4, 6}, {}, {1, 2, 7, 13}, false},
      {"linear", "asymmetric", "", {1, 2, 4, 6}, {1, 1, 2, 2}, {}, false},
      {"linear", "half_pixel", "", {1, 2, 5}, {1, 1, 3}, {}, true},
      {"linear", "half_pixel", "", {1, 2, 3, 4, 5}, {1, 1, 2, 2, 2}, {}, true},
      {"nearest", "half_pixel", "round_prefer_floor", {1, 2, 3, 4, 5}, {1, 1, 2, 2, 2}, {}, true},
      {"linear", "half_pixel", "", {1, 2, 4, 6}, {1, 2, 2, 2}, {}, false},  // resizes C
  };
  for (int opset : {13, 19})
    for (const ResizeCase& rc : cases) {
      Attributes a;
      a.set("mode", rc.mode);
      a.set("coordinate_transformation_mode", rc.coord);
      if (!rc.nearest.empty()) a.set("nearest_mode", rc.nearest);
      std::vector<In> ins{{random_tensor(rng(), rc.x)}, {}, {}, {}};
      if (!rc.scales.empty()) ins[2] = {f32_tensor(rc.scales), true};
      else ins[3] = {i64_tensor(rc.sizes), true};
      Outcome o = run_case(make_node("Resize", opset, 4, 1, a), ins);
      EXPECT_EQ(o.supported, rc.expect_supported)
          << rc.mode << "/" << rc.coord << "/" << rc.nearest << " " << shape_to_string(rc.x);
    }
  // Realistic sizes (the jit implementations kick in) and the Upsample forms.
  for (const char* mode : {"nearest", "linear"}) {
    Attributes a;
    a.set("mode", std::string(mode));
    a.set("coordinate_transformation_mode", std::string(mode[0] == 'n' ? "asymmetric" : "pytorch_half_pixel"));
    if (mode[0] == 'n') a.set("nearest_mode", std::string("floor"));
    // As exporters write it: empty roi, scales given.
    Outcome o =
        run_case(make_node("Resize", 13, 3, 1, a),
                 {{random_tensor(rng(), {1, 32, 20, 24})}, {f32_tensor({}), true}, {f32_tensor({1, 1, 2, 2}), true}});
    EXPECT_TRUE(o.supported) << mode;
    std::printf("Resize %s: %s\n", mode, o.name.c_str());
    Attributes u;
    u.set("mode", std::string(mode));
    o = run_case(make_node("Upsample", 9, 2, 1, u),
                 {{random_tensor(rng(), {1, 8, 10, 12})}, {f32_tensor({1, 1, 2, 3}), true}});
    EXPECT_EQ(o.supported, mode[0] == 'n') << "Upsample " << mode;  // linear Upsample is asymmetric
  }
  // Resize-10: (X, scales), asymmetric; nearest floors when upsampling.
  Attributes a;
  a.set("mode", std::string("nearest"));
  EXPECT_TRUE(run_case(make_node("Resize", 10, 2, 1, a),
                       {{random_tensor(rng(), {1, 2, 3, 4})}, {f32_tensor({1, 1, 2, 2}), true}})
                  .supported);
}

}  // namespace
}  // namespace layerscope
