// oneDNN kernels vs the ops' reference kernels on random shapes and attributes. Each case
// builds one node, infers its outputs with the OpDef (constant inputs' values visible, as at
// plan time), runs the reference, then the "onednn:*" kernel through supports/prepare/execute,
// and compares: |kernel - ref| <= 1e-4 * max(1, max|ref|) (fp32 accumulation order differs).
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <random>

#include <omp.h>

#include "registry/registry.h"

namespace layerscope {
namespace {

struct In {
  Tensor t;            // empty() = omitted optional input
  bool constant = false;
};

Tensor random_tensor(std::mt19937& rng, Shape shape, float lo = -1.f, float hi = 1.f) {
  Tensor t(DType::F32, std::move(shape));
  std::uniform_real_distribution<float> u(lo, hi);
  for (int64_t i = 0; i < t.numel(); ++i) t.data_as<float>()[i] = u(rng);
  return t;
}

Tensor i64_tensor(const std::vector<int64_t>& v) {
  Tensor t(DType::I64, {static_cast<int64_t>(v.size())});
  for (size_t i = 0; i < v.size(); ++i) t.data_as<int64_t>()[i] = v[i];
  return t;
}

Tensor f32_tensor(const std::vector<float>& v) {
  Tensor t(DType::F32, {static_cast<int64_t>(v.size())});
  for (size_t i = 0; i < v.size(); ++i) t.data_as<float>()[i] = v[i];
  return t;
}

Node make_node(const std::string& op, int opset, int n_in, int n_out, Attributes attrs = {}) {
  Node n;
  n.name = "test_" + op;
  n.op_type = op;
  n.opset = opset;
  n.attrs = std::move(attrs);
  for (int i = 0; i < n_in; ++i) n.inputs.push_back(i);
  for (int i = 0; i < n_out; ++i) n.outputs.push_back(100 + i);
  return n;
}

const KernelDef* onednn_kernel(const std::string& op) {
  for (const KernelDef* k : Registry::builtin().kernels_for("", op))
    if (k->name.rfind("onednn:", 0) == 0) return k;
  return nullptr;
}

struct Outcome {
  bool supported = false;
  std::string name;
};

// Runs reference and oneDNN kernel; expects agreement when the kernel accepts the node.
Outcome run_case(Node node, const std::vector<In>& ins, int threads = 1) {
  Outcome res;
  for (size_t i = 0; i < ins.size(); ++i)
    if (ins[i].t.empty()) node.inputs[i] = -1;
  const OpDef* def = Registry::builtin().find_op("", node.op_type, node.opset);
  EXPECT_NE(def, nullptr) << node.op_type << " opset " << node.opset;
  if (!def) return res;
  std::vector<TensorInfo> info;
  std::vector<const Tensor*> consts, all;
  for (const In& in : ins) {
    info.push_back(in.t.empty() ? TensorInfo{} : TensorInfo{in.t.dtype(), in.t.shape()});
    consts.push_back(in.constant && !in.t.empty() ? &in.t : nullptr);
    all.push_back(in.t.empty() ? nullptr : &in.t);
  }
  InferContext ctx = infer_context(*def, node, info, consts);
  def->infer(ctx);
  std::vector<TensorInfo> out_info = ctx.outputs();

  std::vector<Tensor> ref, got;
  std::vector<Tensor*> ref_p, got_p;
  for (size_t k = 0; k < out_info.size(); ++k) {
    ref.emplace_back(out_info[k].dtype, out_info[k].shape);
    got.emplace_back(out_info[k].dtype, out_info[k].shape);
  }
  for (size_t k = 0; k < out_info.size(); ++k) {
    ref_p.push_back(node.outputs[k] >= 0 ? &ref[k] : nullptr);
    got_p.push_back(node.outputs[k] >= 0 ? &got[k] : nullptr);
  }
  def->reference(node, all, ref_p);

  const KernelDef* kd = onednn_kernel(node.op_type);
  EXPECT_NE(kd, nullptr) << "no onednn kernel for " << node.op_type;
  if (!kd) return res;
  KernelSetup setup{node, info, consts, out_info, threads};
  if (!kd->supports(setup)) {
    if (std::getenv("ONEDNN_TEST_VERBOSE")) {
      std::printf("not supported: %s", Graph::describe(node).c_str());
      for (const TensorInfo& t : info) std::printf(" %s", shape_to_string(t.shape).c_str());
      for (const auto& [k, v] : node.attrs.all())
        if (const auto* ints = std::get_if<std::vector<int64_t>>(&v)) {
          std::printf(" %s=[", k.c_str());
          for (int64_t i : *ints) std::printf("%lld,", static_cast<long long>(i));
          std::printf("]");
        } else if (const auto* i = std::get_if<int64_t>(&v)) {
          std::printf(" %s=%lld", k.c_str(), static_cast<long long>(*i));
        } else if (const auto* str = std::get_if<std::string>(&v)) {
          std::printf(" %s=%s", k.c_str(), str->c_str());
        }
      std::printf("\n");
    }
    return res;
  }
  res.supported = true;
  std::unique_ptr<Kernel> k = kd->create();
  k->prepare(setup);
  res.name = k->name();
  EXPECT_EQ(res.name.rfind("onednn:", 0), 0u) << res.name;
  size_t scratch = k->scratch_bytes();
  void* buf = scratch ? std::aligned_alloc(64, (scratch + 63) / 64 * 64) : nullptr;
  for (int rep = 0; rep < 2; ++rep) k->execute(all, got_p, buf);  // a second run must agree too
  std::free(buf);

  for (size_t o = 0; o < out_info.size(); ++o) {
    if (!ref_p[o]) continue;
    const float* r = ref[o].data_as<float>();
    const float* g = got[o].data_as<float>();
    float maxref = 1.f;
    for (int64_t i = 0; i < ref[o].numel(); ++i) maxref = std::max(maxref, std::abs(r[i]));
    int bad = 0;
    for (int64_t i = 0; i < ref[o].numel() && bad < 5; ++i)
      if (!(std::abs(r[i] - g[i]) <= 1e-4f * maxref)) {
        ++bad;
        ADD_FAILURE() << Graph::describe(node) << " output " << o << " " << shape_to_string(out_info[o].shape)
                      << " [" << i << "]: ref " << r[i] << " onednn " << g[i] << " (" << res.name << ")";
      }
  }
  return res;
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
    Outcome o = run_case(make_node("MatMul", 13, 2, 1),
                         {{random_tensor(rng(), a)}, {random_tensor(rng(), b), coin()}}, pick(1, 2));
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
      Outcome o = run_case(make_node("BatchNormalization", opset, 5, 1, a),
                           {{random_tensor(rng(), x)},
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
  const char* ops[] = {"ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd",
                       "ReduceL1",  "ReduceL2",   "ReduceSumSquare"};
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
  EXPECT_TRUE(run_case(make_node("ReduceMax", 18, 2, 1, keep),
                       {{random_tensor(rng(), {4, 9, 33})}, {i64_tensor({-1}), true}})
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
    Outcome o = run_case(make_node("Resize", 13, 3, 1, a), {{random_tensor(rng(), {1, 32, 20, 24})},
                                                            {f32_tensor({}), true},
                                                            {f32_tensor({1, 1, 2, 2}), true}});
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

// --------------------------------------------------------- quick timing (run by hand)

double time_ms(const std::function<void()>& f, int reps) {
  f();
  auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < reps; ++i) f();
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count() / reps;
}

// ./unit_tests --gtest_also_run_disabled_tests --gtest_filter='*Timing*'
TEST(OnednnKernels, DISABLED_Timing) {
  struct T {
    Node node;
    std::vector<In> ins;
  };
  Attributes ca;
  ca.set("pads", std::vector<int64_t>{1, 1, 1, 1});
  T cases[] = {{make_node("Conv", 11, 3, 1, ca),
                {{random_tensor(rng(), {1, 64, 56, 56})},
                 {random_tensor(rng(), {64, 64, 3, 3}), true},
                 {random_tensor(rng(), {64}), true}}},
               {make_node("MatMul", 13, 2, 1),
                {{random_tensor(rng(), {1531, 384})}, {random_tensor(rng(), {384, 1152}), true}}}};
  for (T& c : cases) {
    const OpDef* def = Registry::builtin().find_op("", c.node.op_type, c.node.opset);
    std::vector<TensorInfo> info;
    std::vector<const Tensor*> consts, all;
    for (In& in : c.ins) {
      info.push_back({in.t.dtype(), in.t.shape()});
      consts.push_back(in.constant ? &in.t : nullptr);
      all.push_back(&in.t);
    }
    InferContext ctx = infer_context(*def, c.node, info, consts);
    def->infer(ctx);
    Tensor y(DType::F32, ctx.outputs()[0].shape);
    std::vector<Tensor*> outs{&y};
    KernelSetup setup{c.node, info, consts, ctx.outputs(), 1};
    std::unique_ptr<Kernel> k = onednn_kernel(c.node.op_type)->create();
    k->prepare(setup);
    std::vector<char> scratch(k->scratch_bytes() + 64);
    omp_set_num_threads(1);
    double t_dnnl = time_ms([&] { k->execute(all, outs, scratch.data()); }, 10);
    double t_ref = time_ms([&] { def->reference(c.node, all, outs); }, 1);
    std::printf("%s %s: %s %.2f ms, reference %.2f ms (1 thread)\n", c.node.op_type.c_str(),
                shape_to_string(info[0].shape).c_str(), k->name().c_str(), t_dnnl, t_ref);
  }
}

}  // namespace
}  // namespace layerscope
