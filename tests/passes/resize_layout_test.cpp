// native:resize_linear on every buffer layout (NCHW, NHWC, nChw8c, nChw16c): its output,
// converted back with Reorder's reference kernel, must match the Resize reference on plain
// data and the kernel's own NCHW result bit for bit, with the blocked layouts' channel padding
// written as zeros. And the layout pass: a Resize between two convolutions keeps their layout
// with no Reorder around it, half-pixel ones included (the native kernel outranks oneDNN's).
#include <algorithm>
#include <cstring>
#include <limits>

#include "pass_test_util.h"
#include "registry/registry.h"

namespace layerscope::testing {
namespace {

Tensor sizes_tensor(const Shape& out) {
  Tensor sizes(DType::I64, {4});
  std::copy(out.begin(), out.end(), sizes.data_as<int64_t>());
  return sizes;
}

Node resize_node(const std::string& coord_mode) {
  Node n;
  n.name = "resize";
  n.op_type = "Resize";
  n.opset = 13;
  n.inputs = {0, -1, -1, 3};
  n.outputs = {4};
  n.attrs.set("mode", std::string("linear"));
  n.attrs.set("coordinate_transformation_mode", coord_mode);
  return n;
}

// Runs the kernel select_kernel picks for layout `l` on `x` (plain) and returns its output
// buffer (flat, in layout l, padding included). The output buffer starts as NaNs, so an
// element the kernel does not write shows.
Tensor run_in_layout(const Node& n, const Tensor& x, const Tensor& sizes, const Shape& out_shape, Layout l,
                     int threads) {
  std::vector<TensorInfo> ins = {{DType::F32, x.shape()}, {}, {}, {DType::I64, {4}}};
  std::vector<const Tensor*> consts = {nullptr, nullptr, nullptr, &sizes};
  std::vector<TensorInfo> outs = {{DType::F32, out_shape}};
  KernelSetup setup{n, ins, consts, outs, threads, {l, Layout::Plain, Layout::Plain, Layout::Plain}, {l}};
  const KernelDef* kd = select_kernel(Registry::builtin(), setup);
  if (!kd) ADD_FAILURE() << "no kernel for " << layout_name(l);
  if (!kd) return Tensor();
  EXPECT_EQ(kd->name, "native:resize_linear");
  std::unique_ptr<Kernel> kernel = kd->create();
  kernel->prepare(setup);
  Tensor x_l = relayout(x, Layout::Plain, l);
  Tensor y_l(DType::F32, {layout_numel(out_shape, l)});
  std::fill_n(y_l.data_as<float>(), y_l.numel(), std::numeric_limits<float>::quiet_NaN());
  Tensor x_v = Tensor::view(DType::F32, x.shape(), x_l.data()), y_v = Tensor::view(DType::F32, out_shape, y_l.data());
  const Tensor* k_in[] = {&x_v, nullptr, nullptr, &sizes};
  Tensor* k_out[] = {&y_v};
  std::vector<char> scratch(kernel->scratch_bytes());
  kernel->execute(k_in, k_out, scratch.data());
  return y_l;
}

struct ShapeCase {
  const char* name;
  Shape in, out;
  int threads;
};

TEST(ResizeLayouts, EveryLayoutMatchesTheReferenceOnPlainData) {
  const OpDef* ref = Registry::builtin().find_op("", "Resize", 13);
  ASSERT_NE(ref, nullptr);
  GraphBuilder rng;
  // Channel counts 3, 20, 36: none a multiple of 8 or 16, so every blocked buffer has padding.
  const std::vector<ShapeCase> cases = {
      {"upsample x2 C=20", {1, 20, 9, 7}, {1, 20, 18, 14}, 1},
      {"upsample uneven N=2 C=3", {2, 3, 5, 6}, {2, 3, 13, 11}, 1},
      {"downsample C=36", {1, 36, 17, 23}, {1, 36, 6, 10}, 1},
      {"upsample 2 threads C=20", {1, 20, 40, 30}, {1, 20, 80, 60}, 2},  // above the parallel threshold
  };
  int checked = 0;
  for (const char* coord : {"align_corners", "half_pixel", "asymmetric"})
    for (const ShapeCase& c : cases) {
      const Node n = resize_node(coord);
      const Tensor x = rng.random_f32(c.in, -2.f, 2.f), sizes = sizes_tensor(c.out);
      Tensor want(DType::F32, c.out);
      const Tensor* ref_in[] = {&x, nullptr, nullptr, &sizes};
      Tensor* ref_out[] = {&want};
      ref->reference(n, ref_in, ref_out);
      const Tensor plain = run_in_layout(n, x, sizes, c.out, Layout::Plain, c.threads);
      for (Layout l : {Layout::Plain, Layout::ChannelsLast, Layout::Blocked8, Layout::Blocked16}) {
        SCOPED_TRACE(std::string(coord) + " " + c.name + " in " + layout_name(l));
        const Tensor y_l = run_in_layout(n, x, sizes, c.out, l, c.threads);
        ASSERT_EQ(y_l.numel(), layout_numel(c.out, l));
        // Channel padding (blocked layouts) written as zeros: layout_offset with the padded
        // channel count addresses the same buffer.
        const int64_t N = c.out[0], C = c.out[1], S = c.out[2] * c.out[3], b = layout_channel_block(l);
        const int64_t padded = (C + b - 1) / b * b;
        for (int64_t i = 0; i < N; ++i)
          for (int64_t ch = C; ch < padded; ++ch)
            for (int64_t s = 0; s < S; ++s)
              ASSERT_EQ(y_l.data_as<float>()[layout_offset(l, padded, S, i, ch, s)], 0.f) << "padding channel " << ch;
        const Tensor got = relayout(Tensor::view(DType::F32, c.out, const_cast<void*>(y_l.data())), l, Layout::Plain);
        for (int64_t i = 0; i < want.numel(); ++i) {
          ASSERT_NEAR(got.data_as<float>()[i], want.data_as<float>()[i], 1e-5f) << "element " << i;
          // The same float expression in every layout: identical to the NCHW result.
          ASSERT_EQ(got.data_as<float>()[i], plain.data_as<float>()[i]) << "element " << i;
        }
        ++checked;
      }
    }
  EXPECT_EQ(checked, 3 * 4 * 4);
}

TEST(ResizeLayouts, DeclinesMismatchedLayouts) {
  const Node n = resize_node("align_corners");
  const Tensor sizes = sizes_tensor({1, 20, 18, 14});
  std::vector<TensorInfo> ins = {{DType::F32, {1, 20, 9, 7}}, {}, {}, {DType::I64, {4}}};
  std::vector<const Tensor*> consts = {nullptr, nullptr, nullptr, &sizes};
  std::vector<TensorInfo> outs = {{DType::F32, {1, 20, 18, 14}}};
  // Output in another layout than the input: nothing may run it (the reference reads plain).
  KernelSetup mixed{n, ins, consts, outs, 1, {Layout::Blocked16}, {Layout::ChannelsLast}};
  EXPECT_EQ(select_kernel(Registry::builtin(), mixed), nullptr);
  KernelSetup plain_out{n, ins, consts, outs, 1, {Layout::ChannelsLast}, {Layout::Plain}};
  EXPECT_EQ(select_kernel(Registry::builtin(), plain_out), nullptr);
}

Attributes pad1() {
  Attributes a;
  a.set("pads", std::vector<int64_t>{1, 1, 1, 1});
  return a;
}

int value_named(const ExecutionPlan& p, const std::string& name) {
  for (size_t v = 0; v < p.graph.values.size(); ++v)
    if (p.graph.values[v].name == name) return static_cast<int>(v);
  return -1;
}

// Conv (3x3, 24 -> 20 channels) -> Resize x2 (`coord`) -> Conv (3x3, 20 -> 16).
GraphBuilder conv_resize_conv(const std::string& coord) {
  GraphBuilder b;
  int x = b.input("x", {1, 24, 12, 10});
  int c0 = b.node("Conv", "c0", {x, b.random_constant("w0", {20, 24, 3, 3})}, pad1());
  Attributes ra;
  ra.set("mode", std::string("linear"));
  ra.set("coordinate_transformation_mode", coord);
  int sizes = b.constant("sizes", sizes_tensor({1, 20, 24, 20}));
  int r = b.node("Resize", "resize", {c0, -1, -1, sizes}, ra);
  b.output(b.node("Conv", "c1", {r, b.random_constant("w1", {16, 20, 3, 3})}, pad1()));
  return b;
}

const Step& step_of(const ExecutionPlan& p, const std::string& op) {
  for (const Step& s : p.steps)
    if (p.graph.nodes[s.node].op_type == op) return s;
  throw std::runtime_error("no " + op + " step");
}

TEST(ResizeLayouts, ResizeBetweenConvsKeepsTheirLayout) {
  GraphBuilder b = conv_resize_conv("align_corners");
  ExecutionPlan p = plan_of(b, true);
  const std::vector<std::string> ops = step_ops(p);
  const auto at = std::find(ops.begin(), ops.end(), "Resize");
  ASSERT_NE(at, ops.end());
  ASSERT_TRUE(at != ops.begin() && at + 1 != ops.end());
  EXPECT_EQ(*(at - 1), "Conv");  // no Reorder before the Resize...
  EXPECT_EQ(*(at + 1), "Conv");  // ...nor after it
  EXPECT_EQ(step_of(p, "Resize").kernel->name(), "native:resize_linear");
  const Layout l = p.slots[value_named(p, "c0_out0")].layout;
  EXPECT_NE(l, Layout::Plain);
  EXPECT_EQ(p.slots[value_named(p, "resize_out0")].layout, l);
  expect_same_results(b, 1e-5, 1);
  expect_same_results(b, 1e-5, 2);
}

TEST(ResizeLayouts, HalfPixelResizeRunsNativeInTheConvolutionsLayout) {
  // The native kernel outranks oneDNN's resampling for every linear Resize (it reproduces every
  // mapping exactly, in every layout): a half_pixel x2 between convolutions follows their layout.
  GraphBuilder b = conv_resize_conv("half_pixel");
  ExecutionPlan p = plan_of(b, true);
  EXPECT_EQ(step_of(p, "Resize").kernel->name(), "native:resize_linear");
  const Layout l = p.slots[value_named(p, "c0_out0")].layout;
  EXPECT_NE(l, Layout::Plain);
  EXPECT_EQ(p.slots[value_named(p, "resize_out0")].layout, l);
  expect_same_results(b, 1e-5, 1);
  expect_same_results(b, 1e-5, 2);
}

// A segmentation head: conv -> Resize x8 -> graph output. The output must be Plain and is the
// larger tensor, so the Resize reads Plain: the Reorder moves its small input, not its output.
TEST(ResizeLayouts, UpsamplingToAGraphOutputReordersItsInput) {
  GraphBuilder b;
  int x = b.input("x", {1, 24, 12, 10});
  int c0 = b.node("Conv", "c0", {x, b.random_constant("w0", {21, 24, 3, 3})}, pad1());
  Attributes ra;
  ra.set("mode", std::string("linear"));
  ra.set("coordinate_transformation_mode", std::string("half_pixel"));
  int sizes = b.constant("sizes", sizes_tensor({1, 21, 96, 80}));
  b.output(b.node("Resize", "resize", {c0, -1, -1, sizes}, ra));
  ExecutionPlan p = plan_of(b, true);
  const Step& resize = step_of(p, "Resize");
  EXPECT_EQ(resize.kernel->name(), "native:resize_linear");
  const Node& n = p.graph.nodes[resize.node];
  EXPECT_EQ(p.slots[n.inputs[0]].layout, Layout::Plain);
  EXPECT_EQ(p.slots[n.outputs[0]].layout, Layout::Plain);
  for (const Step& s : p.steps)  // the only Reorders are before the Resize, on 12x10 tensors
    if (p.graph.nodes[s.node].op_type == "Reorder") {
      EXPECT_EQ(s.outputs[0].shape[2], 12);
    }
  expect_same_results(b, 1e-5, 1);
  expect_same_results(b, 1e-5, 2);
}

}  // namespace
}  // namespace layerscope::testing
