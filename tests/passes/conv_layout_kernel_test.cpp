// The oneDNN conv kernel on every buffer layout the layout pass may choose (NHWC, nChw8c,
// nChw16c), whichever oneDNN happens to prefer on this machine: the kernel's output, converted
// back with Reorder's reference kernel, must match the op's reference kernel on plain data.
// Covers channels not divisible by 8/16, depthwise stride 2, and a residual post-op read in the
// output's (padded) layout or added as a sum post-op over a copy of it in dst.
#include <algorithm>

#include "kernels/onednn/measured_choice.h"
#include "ops/fused/conv.h"
#include "pass_test_util.h"
#include "registry/registry.h"

namespace layerscope::testing {
namespace {

struct ConvCase {
  const char* name;
  std::string op_type;  // "Conv" or a fused op type
  Shape x, w;
  int64_t stride, group;
  bool residual;
};

TEST(ConvKernelLayouts, EveryLayoutMatchesTheReferenceOnPlainData) {
  const Registry& r = Registry::builtin();
  GraphBuilder rng;
  const std::vector<ConvCase> cases = {
      {"3x3 20->36", "Conv", {1, 20, 11, 9}, {36, 20, 3, 3}, 1, 1, false},
      {"depthwise 24 stride 2 + clip", "ConvClip", {1, 24, 13, 13}, {24, 1, 3, 3}, 2, 24, false},
      {"1x1 40->24 + residual + relu", "ConvAddRelu", {2, 40, 7, 6}, {24, 40, 1, 1}, 1, 1, true},
      // Winograd in nChw16c; its residual is a sum post-op over a copy of the residual in dst.
      {"3x3 32->48 + residual", "ConvAdd", {1, 32, 12, 10}, {48, 32, 3, 3}, 1, 1, true},
      {"3x3 16->20 + residual + relu", "ConvAddRelu", {1, 16, 9, 14}, {20, 16, 3, 3}, 1, 1, true},
  };
  for (const ConvCase& c : cases)
    for (Layout l : {Layout::ChannelsLast, Layout::Blocked8, Layout::Blocked16}) {
      SCOPED_TRACE(std::string(c.name) + " in " + layout_name(l));
      Node n;
      n.name = c.name;
      n.op_type = c.op_type;
      n.domain = c.op_type == "Conv" ? "" : kFusedDomain;
      n.opset = c.op_type == "Conv" ? 17 : 1;
      const int64_t k = c.w[2], pad = k / 2;
      n.attrs.set("pads", std::vector<int64_t>{pad, pad, pad, pad});
      n.attrs.set("strides", std::vector<int64_t>{c.stride, c.stride});
      n.attrs.set("group", c.group);
      n.attrs.set("min", -0.5f);
      n.attrs.set("max", 0.5f);
      const int64_t oh = (c.x[2] + 2 * pad - k) / c.stride + 1, ow = (c.x[3] + 2 * pad - k) / c.stride + 1;
      const Shape y_shape{c.x[0], c.w[0], oh, ow};
      Tensor x = rng.random_f32(c.x), w = rng.random_f32(c.w), b = rng.random_f32({c.w[0]});
      Tensor res = rng.random_f32(y_shape);
      n.inputs = {0, 1, 2};
      if (c.residual) n.inputs.push_back(3);
      n.outputs = {4};

      // Reference on plain data.
      Tensor want(DType::F32, y_shape);
      std::vector<const Tensor*> ref_in = {&x, &w, &b};
      if (c.residual) ref_in.push_back(&res);
      Tensor* ref_out[] = {&want};
      r.find_op(n.domain, n.op_type, n.opset)->reference(n, ref_in, ref_out);

      // The kernel on buffers in layout l.
      std::vector<TensorInfo> ins = {{DType::F32, c.x}, {DType::F32, c.w}, {DType::F32, {c.w[0]}}};
      std::vector<const Tensor*> consts = {nullptr, &w, &b};
      std::vector<Layout> in_layouts = {l, Layout::Plain, Layout::Plain};
      if (c.residual) {
        ins.push_back({DType::F32, y_shape});
        consts.push_back(nullptr);
        in_layouts.push_back(l);
      }
      std::vector<TensorInfo> outs = {{DType::F32, y_shape}};
      KernelSetup setup{n, ins, consts, outs, 1, in_layouts, {l}};
      const KernelDef* kd = select_kernel(r, setup);
      if (!kd) {
        // oneDNN may lack a fast implementation for a layout it would never choose itself on
        // this CPU (nChw8c on AVX-512); the layout it does choose must work.
        const KernelDef* plain_kd = select_kernel(r, KernelSetup{n, ins, consts, outs, 1});
        ASSERT_NE(plain_kd, nullptr);
        std::optional<LayoutChoice> pref = plain_kd->preferred_layouts(KernelSetup{n, ins, consts, outs, 1});
        EXPECT_FALSE(pref && pref->output == l) << "the preferred layout is refused";
        continue;
      }
      EXPECT_EQ(kd->name, "onednn:conv");
      std::unique_ptr<Kernel> kernel = kd->create();
      kernel->prepare(setup);
      Tensor x_l = relayout(x, Layout::Plain, l), res_l = relayout(res, Layout::Plain, l);
      Tensor y_l(DType::F32, {layout_numel(y_shape, l)});
      Tensor x_v = Tensor::view(DType::F32, c.x, x_l.data()), r_v = Tensor::view(DType::F32, y_shape, res_l.data());
      Tensor y_v = Tensor::view(DType::F32, y_shape, y_l.data());
      std::vector<const Tensor*> k_in = {&x_v, &w, &b};
      if (c.residual) k_in.push_back(&r_v);
      Tensor* k_out[] = {&y_v};
      if (l == Layout::Blocked16 && c.w[2] == 3 && c.stride == 1 && c.group == 1) {
        EXPECT_NE(kernel->name().find("wino"), std::string::npos) << kernel->name();
      }
#if defined(__AVX512F__)
      // Channels-last with a residual: the sum post-op form, so oneDNN's brgemm kernels run it
      // (conv.cpp, build_for_setup), not its older jit ones.
      if (c.residual && l == Layout::ChannelsLast) {
        EXPECT_NE(kernel->name().find("brg"), std::string::npos) << kernel->name();
      }
#endif
      const std::vector<char> res_before(static_cast<char*>(res_l.data()),
                                         static_cast<char*>(res_l.data()) + res_l.nbytes());
      std::vector<char> scratch(kernel->scratch_bytes() + 64);
      kernel->execute(k_in, k_out, scratch.data());
      EXPECT_TRUE(std::equal(res_before.begin(), res_before.end(), static_cast<char*>(res_l.data())))
          << "the residual input was modified";
      Tensor got = relayout(y_v, l, Layout::Plain);
      for (int64_t i = 0; i < want.numel(); ++i)
        ASSERT_NEAR(got.data_as<float>()[i], want.data_as<float>()[i], 1e-4) << "element " << i;
    }
}

// Winograd only where it pays: a stem over 3 image channels (or any conv with fewer than 16
// input or output channels) stays on the direct algorithm in the layout oneDNN picks. oneDNN 2.6
// has Winograd for AVX-512 only: elsewhere every case is direct.
TEST(ConvKernelLayouts, WinogradOnlyWhenChannelsFillAVectorBlock) {
  const Registry& r = Registry::builtin();
  const bool winograd_cpu = __builtin_cpu_supports("avx512f");
  GraphBuilder rng;
  for (auto [c_in, c_out, wino] : {std::tuple{3, 64, false}, {8, 32, false}, {32, 8, false}, {16, 16, true}}) {
    SCOPED_TRACE(::testing::Message() << c_in << " -> " << c_out);
    Node n;
    n.name = "conv";
    n.op_type = "Conv";
    n.opset = 17;
    n.attrs.set("pads", std::vector<int64_t>{1, 1, 1, 1});
    n.inputs = {0, 1};
    n.outputs = {2};
    Tensor w = rng.random_f32({c_out, c_in, 3, 3});
    const std::vector<TensorInfo> ins = {{DType::F32, {1, c_in, 28, 28}}, {DType::F32, w.shape()}};
    const std::vector<const Tensor*> consts = {nullptr, &w};
    const std::vector<TensorInfo> outs = {{DType::F32, {1, c_out, 28, 28}}};
    KernelSetup free_choice{n, ins, consts, outs, 1};
    const KernelDef* kd = select_kernel(r, free_choice);
    ASSERT_NE(kd, nullptr);
    std::optional<LayoutChoice> pref = kd->preferred_layouts(free_choice);
    ASSERT_TRUE(pref);
    KernelSetup chosen{n, ins, consts, outs, 1, {pref->input, Layout::Plain}, {pref->output}};
    std::unique_ptr<Kernel> k = select_kernel(r, chosen)->create();
    k->prepare(chosen);
    EXPECT_EQ(k->name().find("wino") != std::string::npos, wino && winograd_cpu) << k->name();
  }
}

// Convolutions large enough for their plan to be measured on this machine
// (kernels/onednn/measured_choice.h): a 1-D one (NWC brgconv against nCw16c jit) and a 3x3 one
// above 64x64 output pixels (Winograd against the direct algorithm, then possibly the layout).
// The first preference query times the candidates, the second hits the cache, and the kernel
// prepared in the chosen layout matches the reference, at 1 and 2 threads.
struct MeasuredCase {
  const char* name;
  Shape x, w, y;
  std::vector<int64_t> strides, pads;
  int min_measurements, max_measurements;  // with measuring on, on an AVX-512 CPU
};

// A case's Conv node with random constant weights and bias, and its kernel setup.
struct MeasuredConv {
  MeasuredConv(const MeasuredCase& c, GraphBuilder& rng) : w(rng.random_f32(c.w)), b(rng.random_f32({c.w[0]})) {
    n.name = c.name;
    n.op_type = "Conv";
    n.opset = 17;
    n.attrs.set("strides", c.strides);
    n.attrs.set("pads", c.pads);
    n.inputs = {0, 1, 2};
    n.outputs = {3};
    ins = {{DType::F32, c.x}, {DType::F32, c.w}, {DType::F32, b.shape()}};
    outs = {{DType::F32, c.y}};
  }
  MeasuredConv(const MeasuredConv&) = delete;  // consts points into it
  KernelSetup setup(int threads, std::vector<Layout> in = {}, std::vector<Layout> out = {}) const {
    return {n, ins, consts, outs, threads, std::move(in), std::move(out)};
  }
  Node n;
  Tensor w, b;
  std::vector<TensorInfo> ins, outs;
  std::vector<const Tensor*> consts = {nullptr, &w, &b};
};

TEST(ConvKernelLayouts, MeasuredPreferenceIsCachedAndRunsInTheChosenLayout) {
  const Registry& r = Registry::builtin();
  GraphBuilder rng;
  const std::vector<MeasuredCase> cases = {
      {"1-D 256->256 k3 s2 (100 MMACs)", {1, 256, 1023}, {256, 256, 3}, {1, 256, 511}, {2}, {0, 0}, 1, 1},
      {"3x3 32->32 @72x72 (48 MMACs)", {1, 32, 72, 72}, {32, 32, 3, 3}, {1, 32, 72, 72}, {1, 1}, {1, 1, 1, 1}, 1, 2},
  };
  for (const MeasuredCase& c : cases) {
    const MeasuredConv conv(c, rng);
    const Node& n = conv.n;
    Tensor x = rng.random_f32(c.x);
    for (int threads : {1, 2}) {
      SCOPED_TRACE(::testing::Message() << c.name << ", " << threads << " thread(s)");
      const KernelSetup free_choice = conv.setup(threads);
      const KernelDef* kd = select_kernel(r, free_choice);
      ASSERT_NE(kd, nullptr);
      const int before = onednn::measurements_made();
      std::optional<LayoutChoice> pref = kd->preferred_layouts(free_choice);
      ASSERT_TRUE(pref);
      const int made = onednn::measurements_made() - before;
#if defined(__AVX512F__)
      if (onednn::measured_choices_enabled()) {
        EXPECT_GE(made, c.min_measurements);
        EXPECT_LE(made, c.max_measurements);
      }
#endif
      if (!onednn::measured_choices_enabled()) {
        EXPECT_EQ(made, 0);
      }
      std::optional<LayoutChoice> again = kd->preferred_layouts(free_choice);
      EXPECT_EQ(onednn::measurements_made() - before, made) << "measured again instead of using the cache";
      ASSERT_TRUE(again);
      EXPECT_EQ(again->input, pref->input);
      EXPECT_EQ(again->output, pref->output);
      EXPECT_EQ(std::count(pref->also_runs_in.begin(), pref->also_runs_in.end(), pref->input), 0);

      const Layout l = pref->input;
      ASSERT_EQ(pref->output, l);
      const KernelSetup chosen = conv.setup(threads, {l, Layout::Plain, Layout::Plain}, {l});
      std::unique_ptr<Kernel> kernel = select_kernel(r, chosen)->create();
      kernel->prepare(chosen);
      EXPECT_EQ(onednn::measurements_made() - before, made) << "prepare() measured instead of using the cache";
      Tensor want(DType::F32, c.y);
      std::vector<const Tensor*> ref_in = {&x, &conv.w, &conv.b};
      Tensor* ref_out[] = {&want};
      r.find_op("", "Conv", 17)->reference(n, ref_in, ref_out);
      Tensor x_l = relayout(x, Layout::Plain, l), y_l(DType::F32, {layout_numel(c.y, l)});
      Tensor x_v = Tensor::view(DType::F32, c.x, x_l.data()), y_v = Tensor::view(DType::F32, c.y, y_l.data());
      std::vector<const Tensor*> k_in = {&x_v, &conv.w, &conv.b};
      Tensor* k_out[] = {&y_v};
      std::vector<char> scratch(kernel->scratch_bytes() + 64);
      kernel->execute(k_in, k_out, scratch.data());
      Tensor got = relayout(y_v, l, Layout::Plain);
      for (int64_t i = 0; i < want.numel(); ++i)
        ASSERT_NEAR(got.data_as<float>()[i], want.data_as<float>()[i], 1e-3) << "element " << i;
    }
  }
}

// Layers of more than 4 GMACs per thread are not timed at plan time, whatever the candidates
// (their runs would cost seconds of plan time and their buffers hundreds of MB): the same
// 1-D convolution as above over 32000 steps (12.6 GMACs), and a Winograd geometry above 64x64
// output pixels (3x3 512->512 at 80x80, 15 GMACs). Planned only: the reference would take
// seconds.
TEST(ConvKernelLayouts, LayersTooLargeToTimeAreNotMeasured) {
  const Registry& r = Registry::builtin();
  GraphBuilder rng;
  const std::vector<MeasuredCase> cases = {
      {"1-D 512->512 k3 s2 over 32000 steps", {1, 512, 32001}, {512, 512, 3}, {1, 512, 16000}, {2}, {0, 0}, 0, 0},
      {"3x3 512->512 @80x80", {1, 512, 80, 80}, {512, 512, 3, 3}, {1, 512, 80, 80}, {1, 1}, {1, 1, 1, 1}, 0, 0},
  };
  for (const MeasuredCase& c : cases) {
    const MeasuredConv conv(c, rng);
    for (int threads : {1, 2}) {
      SCOPED_TRACE(::testing::Message() << c.name << ", " << threads << " thread(s)");
      const KernelSetup free_choice = conv.setup(threads);
      const KernelDef* kd = select_kernel(r, free_choice);
      ASSERT_NE(kd, nullptr);
      const int before = onednn::measurements_made();
      ASSERT_TRUE(kd->preferred_layouts(free_choice));
      EXPECT_EQ(onednn::measurements_made() - before, 0);
    }
  }
}

}  // namespace
}  // namespace layerscope::testing
