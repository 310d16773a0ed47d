// Conv and the fused convolutions of ops/fused/conv.h (ConvRelu, ConvAdd, ConvAddRelu, ...) via
// dnnl::convolution_forward. Geometry (auto_pad, defaults, kernel_shape) comes from
// ops/nn/conv_geometry.h so it matches the reference exactly. A fused node's residual is the source
// of a binary-add post-op and its activation an eltwise post-op, applied while each output
// block is still in registers. Activations are read and written in the layouts the layout pass
// chose (KernelSetup); preferred_layouts() reports what oneDNN picks when left free.
// Constant weights are reordered once into the implementation's preferred blocked layout;
// non-constant weights are passed in ONNX's own layout.
#include "ops/fused/conv.h"

#include "kernels/onednn/conv_common.h"
#include "kernels/onednn/measured_choice.h"
#include "kernels/onednn/post_ops.h"
#include "ops/op_registry.h"

namespace layerscope {
namespace {

using namespace onednn;
using alg = dnnl::algorithm;

// The epilogue as post-ops: [the residual, as a binary add or as a sum into dst], then the
// activation's steps (kernels/onednn/post_ops.h; Winograd takes its Relu as eltwise_relu, the
// only eltwise post-op it accepts).
dnnl::post_ops epilogue_post_ops(const ConvEpilogue& e, const dnnl::memory::desc* residual_md, ResidualMode mode,
                                 alg algorithm) {
  dnnl::post_ops po;
  if (residual_md && mode == ResidualMode::Binary) po.append_binary(alg::binary_add, *residual_md);
  if (residual_md && mode == ResidualMode::Sum) po.append_sum(1.f);
  append_post_ops(po, e.activation, algorithm == alg::convolution_winograd);
  return po;
}

// What a node computes after its convolution: nothing for Conv, the fused op's epilogue for a
// fused convolution (its OpDef's fusion trait, captured when the kernel was registered).
using Fusion = std::optional<FusionTrait>;
std::optional<ConvEpilogue> epilogue_of(const Fusion& fusion, const Node& n) {
  if (!fusion) return std::nullopt;
  return conv_epilogue(*fusion, n);
}

// oneDNN's Winograd convolutions (F(2x2,3x3) / F(4x4,3x3) on AVX-512) need 2-D, ungrouped,
// 3x3, stride-1, undilated convolutions in nChw16c. They do 2.25-4x fewer multiplications than
// the direct algorithm; measured here 1.4-2.9x faster than brgconv (ResNet-50's and the Depth
// model's 3x3 layers, 1 and 2 threads), with errors ~1e-6 relative to the output's magnitude.
// The profile's MACs stay the direct algorithm's (the op's cost), so a Winograd layer's
// MacUsage can pass 100%; its kernel name (onednn:jit_wino_4x3 / jit_fp32_wino_2x3) says why.
// Below 16 input or output channels the channel padding of nChw16c outweighs the saving.
// Measured by bench/winograd_threshold.sh (oneDNN's two algorithms as this kernel builds them):
// on an AMD EPYC Zen 5, 1 thread, direct/Winograd time is 0.40 at 3->64 @224x224, 0.72 at
// 8->32 @112x112, 0.96 at 12->12, 1.21 at 16->16 and 1.64 at 32->32 @56x56 (> 1: Winograd faster).
constexpr int64_t kWinogradMinChannels = 16;

// Where oneDNN 2.6's Winograd is slower than its direct algorithm depends on the CPU, not only on
// the shape (its blocking changes with the tile count): on an AMD Zen 5 it fell off a cliff above
// 64x64 output pixels for 512-channel layers (512->512 3.0x faster than direct at 64x64, 0.80x at
// 65x65; FCN's 2048->512 head at 65x65 0.88x) and at 147x147 (32->32 0.85x at 1 thread); on an
// AMD Zen 4 the same layers run 2.2x, 2.8x and 1.1x faster in Winograd
// (`bench/winograd_threshold.sh C_in,C_out,H,W ...`, 1 and 2 threads). So a layer large enough
// to be measured (kernels/onednn/measured_choice.h) runs Winograd only if it was faster than the
// direct algorithm on this machine; smaller ones, and every one with measuring off, take it.
// Up to 64x64 output pixels Winograd won on every shape measured on both CPUs (1.2-3.2x, 16 to
// 512 channels), so only larger outputs, where both cliffs were seen, are measured (plan time:
// U-Net's twenty 3x3 layers cost 0.7 s of measuring at 1 thread when all were timed).
constexpr int64_t kWinogradAlwaysPixels = 64 * 64;
bool winograd_geometry(const ConvGeometry& g) {
  if (g.spatial_rank() != 2 || g.group != 1) return false;
  if (g.C_in < kWinogradMinChannels || g.C_out < kWinogradMinChannels) return false;
  for (int i = 0; i < 2; ++i)
    if (g.kernel[i] != 3 || g.strides[i] != 1 || g.dilations[i] != 1) return false;
  return true;
}

double conv_macs(const ConvGeometry& g) {
  return static_cast<double>(g.N) * g.C_out * g.out_spatial_size() * (g.C_in / g.group) * g.kernel_size();
}

struct ConvBuild {
  dnnl::convolution_forward::primitive_desc pd;
  ConvDescs d;
  int residual = -1;  // input index of the residual, when bound as a post-op
  dnnl::memory::desc residual_md;
  ResidualMode residual_mode = ResidualMode::Binary;
};

// src/dst layouts: nullopt asks oneDNN for its preference. `with_residual` = false leaves the
// residual post-op out (its descriptor needs a fixed layout; used only for the preference).
// `alg`: convolution_direct, or convolution_winograd (src/dst must then be Blocked16), which
// has no binary post-op: it adds the residual with a sum post-op (ConvLikeKernel then places
// the residual in dst before the run). `residual_mode` asks for that form with the direct
// algorithm too (see build_for_setup).
ConvBuild build_conv(const KernelSetup& s, const Fusion& fusion, std::optional<Layout> src, std::optional<Layout> dst,
                     bool with_residual, alg algorithm = alg::convolution_direct,
                     ResidualMode residual_mode = ResidualMode::Binary) {
  ConvGeometry g = conv_geometry(s.node, s.inputs[0].shape, s.inputs[1].shape);
  const dims w = conv_weight_dims(g);
  ConvBuild b;
  b.d = conv_descs(s, g, w, {}, src, dst);
  dnnl::primitive_attr attr = base_attr();
  if (std::optional<ConvEpilogue> e = epilogue_of(fusion, s.node)) {
    if (e->residual && with_residual) {
      b.residual = kConvResidualInput;
      b.residual_md = activation_md(to_dims(g.output_shape()), s.input_layout(kConvResidualInput));
      b.residual_mode = algorithm == alg::convolution_winograd ? ResidualMode::Sum : residual_mode;
    }
    attr.set_post_ops(epilogue_post_ops(*e, b.residual >= 0 ? &b.residual_md : nullptr, b.residual_mode, algorithm));
  }
  dnnl::convolution_forward::desc d(dnnl::prop_kind::forward_inference, algorithm, b.d.src, b.d.weights_request(),
                                    b.d.bias, b.d.dst, b.d.strides, b.d.dilations, b.d.pads_begin, b.d.pads_end);
  b.pd = dnnl::convolution_forward::primitive_desc(d, attr, engine());
  require_optimized(b.pd);
  return b;
}

// Layers this small are not measured: oneDNN's pick stands (the measurement would cost more
// plan time than it could save, and Reorders around the layer would eat the gain).
constexpr double kMeasuredChoiceMinMacs = 20e6;
// Another layout must be this much faster, and save more than Reordering the layer's input and
// output would cost (both ways, at a conservative 20 GB/s), before it replaces oneDNN's pick.
constexpr double kMeasuredChoiceMinGain = 0.10;
constexpr double kReorderBytesPerMs = 20e6;
// A layer slower than this in oneDNN's pick is not timed in the other layout (each measured
// layer costs about two runs of itself in plan time).
constexpr double kMeasuredChoiceMaxMs = 60.0;
// Nor is a layer of more multiply-adds per thread than this (~35-70 ms at 1 thread on the AMD
// Zen 4 and Zen 5 measured; Winograd: as if direct), decided before any timing: FCN-ResNet50's
// 2048->512 3x3 head (40 GMACs) and dilated 512->512 layers (10 GMACs each) used to be run once
// each only to find them over kMeasuredChoiceMaxMs, and the head's Winograd buffers (filters
// transformed 6x6, its tile scratchpad: 300 MB zero-filled) set the process's peak RSS. AMD
// Zen 4, 1 thread: FCN's load 4.29 -> 3.2 s, peak RSS 651 -> 550 MB (537 with no measuring).
constexpr double kMeasuredChoiceMaxMacsPerThread = 4e9;
// Whether a layer is in the window where timing it pays: from kMeasuredChoiceMinMacs up to
// kMeasuredChoiceMaxMacsPerThread per thread.
bool worth_timing(const ConvGeometry& g, int threads) {
  const double macs = conv_macs(g);
  return macs >= kMeasuredChoiceMinMacs && macs <= kMeasuredChoiceMaxMacsPerThread * std::max(1, threads);
}

// What the timing depends on: the fused op (its post-ops), the thread count, the layouts and
// the geometry.
std::string measured_choice_key(const KernelSetup& s, const ConvGeometry& g, Layout a, Layout b) {
  std::string key = s.node.domain + ":" + s.node.op_type + "|" + std::to_string(s.threads) + "|" + layout_name(a) +
                    ">" + layout_name(b) + "|" + std::to_string(g.N) + "," + std::to_string(g.C_in) + "," +
                    std::to_string(g.C_out) + "," + std::to_string(g.group);
  for (const std::vector<int64_t>* v : {&g.in_dims, &g.kernel, &g.strides, &g.dilations, &g.pads_begin, &g.pads_end}) {
    key += '|';
    for (int64_t x : *v) key += std::to_string(x) + ",";
  }
  return key;
}

// Winograd for the node in nChw16c, if oneDNN has it (post-ops included); no policy.
std::optional<ConvBuild> try_winograd(const KernelSetup& s, const Fusion& fusion, bool with_residual) {
  std::optional<ConvBuild> b;
  if (!succeeds([&] {
        b = build_conv(s, fusion, Layout::Blocked16, Layout::Blocked16, with_residual, alg::convolution_winograd);
      }))
    return std::nullopt;
  return b;
}

// Whether Winograd runs this node (see winograd_geometry): measured against the direct
// algorithm in oneDNN's own layouts where the layer is large enough and Winograd's run short
// enough (plan time); the answer is cached, so the preference and prepare() agree.
bool winograd_pays(const KernelSetup& s, const Fusion& fusion) {
  const ConvGeometry g = conv_geometry(s.node, s.inputs[0].shape, s.inputs[1].shape);
  if (!winograd_geometry(g)) return false;
  if (!measured_choices_enabled() || !worth_timing(g, s.threads)) return true;
  if (g.out_spatial_size() <= kWinogradAlwaysPixels) return true;
  return cached_choice(measured_choice_key(s, g, Layout::Blocked16, Layout::Blocked16) + "|winograd", [&] {
    ThreadScope threads(s.threads);
    std::optional<ConvBuild> w = try_winograd(s, fusion, false);
    if (!w) return false;
    const double t_winograd = fastest_run_ms(w->pd);
    if (t_winograd > kMeasuredChoiceMaxMs) return true;  // plan time: not timed against direct
    const double t_direct = fastest_run_ms(build_conv(s, fusion, std::nullopt, std::nullopt, false).pd);
    return t_winograd < t_direct;
  });
}

std::optional<ConvBuild> build_winograd(const KernelSetup& s, const Fusion& fusion, bool with_residual) {
  if (!winograd_pays(s, fusion)) return std::nullopt;
  return try_winograd(s, fusion, with_residual);
}

bool is_brgemm(const dnnl::convolution_forward::primitive_desc& pd) {
  return std::string(pd.impl_info_str()).find("brg") != std::string::npos;
}

// A fused residual as a binary-add post-op keeps oneDNN 2.6 off its brgemm convolutions for
// channels-last data (they take a sum post-op, not a full-tensor binary one): ConvAdd(Relu)
// then runs on the older jit kernels. Where the sum form gets brgconv, it is used: the
// residual is then dst itself when it dies at the node, else copied there first. Measured
// (AMD EPYC Zen 5, `layerscope bench`, binary vs sum builds alternating, 3 rounds, medians):
// R(2+1)D-18 350 -> 317 ms at 1 thread, R3D-18 312 -> 293 ms (1 thread) and 162 -> 150 ms
// (2; its 3x3x3 ConvAddRelu layers 46.4 -> 43 ms, 93% -> 101% of the fp32 roof), ResNeXt-50
// 39.2 -> 37.4 ms, MNASNet 3.21 -> 3.17 ms (its 1x1 ConvAdd layers 67 -> 63 us, jit_1x1 ->
// brgconv_1x1); MobileNetV2, EfficientNet-B0, RegNetY-400MF, ResNet-18 unchanged within noise.
// Blocked (nChw16c) layers run jit_1x1 either way and keep the binary form.
ConvBuild build_for_setup(const KernelSetup& s, const Fusion& fusion) {
  if (s.input_layout(0) == Layout::Blocked16 && s.output_layout(0) == Layout::Blocked16)
    if (std::optional<ConvBuild> w = build_winograd(s, fusion, true)) return std::move(*w);
  ConvBuild b = build_conv(s, fusion, s.input_layout(0), s.output_layout(0), true);
  // The sum form starts from a byte copy of the residual: same layout as dst only.
  if (b.residual < 0 || is_brgemm(b.pd) || s.input_layout(kConvResidualInput) != s.output_layout(0)) return b;
  std::optional<ConvBuild> sum;
  if (succeeds([&] {
        sum = build_conv(s, fusion, s.input_layout(0), s.output_layout(0), true, alg::convolution_direct,
                         ResidualMode::Sum);
      }) &&
      is_brgemm(sum->pd))
    return std::move(*sum);
  return b;
}

bool conv_supported(const KernelSetup& s, const Fusion& fusion) {
  return conv_like_supported(s, [&] { build_for_setup(s, fusion); });
}

// Whether oneDNN has an implementation of its own for src/dst in these layouts (not its gemm
// fallback, not the reference).
bool runs_well(const KernelSetup& s, const Fusion& fusion, Layout src, Layout dst) {
  return succeeds([&] {
    ConvBuild b = build_conv(s, fusion, src, dst, false);
    if (std::string(b.pd.impl_info_str()).find("gemm") != std::string::npos) fail("gemm");
  });
}

// Where oneDNN's own pick (c.input == c.output) has a rival layout it also runs well in (its
// older direct kernels on nChw16c against brgemm on channels-last), times both on this machine
// (kernels/onednn/measured_choice.h) and takes the rival when it is clearly faster. The loser
// leaves also_runs_in: a layer that measured slower in a layout does not keep it for its
// neighbours' sake.
void prefer_measured_layout(const KernelSetup& s, const Fusion& fusion, LayoutChoice& c) {
  if (!measured_choices_enabled() || c.input != c.output || c.also_runs_in.empty()) return;
  const ConvGeometry g = conv_geometry(s.node, s.inputs[0].shape, s.inputs[1].shape);
  // 1x1 convolutions are not measured: oneDNN's brgconv_1x1 (channels-last) and jit_1x1
  // (nChw16c) ran within 1% of each other on 7 of 8 ResNet/MobileNet 1x1 shapes (AMD Zen 4,
  // 1 thread), and ResNet-like models have dozens of them (plan time).
  if (!worth_timing(g, s.threads) || g.kernel_size() == 1) return;
  const Layout mine = c.input;
  for (Layout rival : std::vector<Layout>(c.also_runs_in)) {
    const bool rival_wins = cached_choice(measured_choice_key(s, g, mine, rival), [&] {
      ThreadScope threads(s.threads);  // oneDNN fixes a primitive's thread decomposition at creation
      const double t_mine = fastest_run_ms(build_conv(s, fusion, mine, mine, false).pd);
      if (t_mine > kMeasuredChoiceMaxMs) return false;  // plan time: oneDNN's pick stands
      const double t_rival = fastest_run_ms(build_conv(s, fusion, rival, rival, false).pd);
      const double reorders_ms =
          2.0 * static_cast<double>(s.inputs[0].bytes() + s.outputs[0].bytes()) / kReorderBytesPerMs;
      return t_rival < (1.0 - kMeasuredChoiceMinGain) * t_mine && t_mine - t_rival > reorders_ms;
    });
    if (!rival_wins) continue;
    c.input = c.output = rival;
    c.also_runs_in.erase(std::find(c.also_runs_in.begin(), c.also_runs_in.end(), rival));
    c.also_runs_in.erase(std::remove(c.also_runs_in.begin(), c.also_runs_in.end(), mine), c.also_runs_in.end());
    c.plain_input_ok = runs_well(s, fusion, Layout::Plain, rival);
    return;
  }
}

// What oneDNN picks for src and dst when free to choose; whether it also runs well reading a
// plain src (an implementation of its own for it, not the gemm fallback).
std::optional<LayoutChoice> conv_preferred_layouts(const KernelSetup& s, const Fusion& fusion) {
  std::optional<ConvBuild> any;
  if (!conv_like_supported(s, [&] { any = build_conv(s, fusion, std::nullopt, std::nullopt, false); }))
    return std::nullopt;
  std::optional<ConvEpilogue> e = epilogue_of(fusion, s.node);
  if (build_winograd(s, fusion, false)) {  // the fastest this machine has for the node: nChw16c in and out
    LayoutChoice c;
    c.input = c.output = Layout::Blocked16;
    if (e && e->residual) c.input_like_output = kConvResidualInput;
    return c;
  }
  const std::optional<Layout> src = layout_of(any->pd.src_desc(), to_dims(s.inputs[0].shape));
  const std::optional<Layout> dst = layout_of(any->pd.dst_desc(), to_dims(s.outputs[0].shape));
  if (!src || !dst || (*src == Layout::Plain && *dst == Layout::Plain)) return std::nullopt;
  LayoutChoice c;
  c.input = *src;
  c.output = *dst;
  c.plain_input_ok = *src == Layout::Plain || runs_well(s, fusion, Layout::Plain, *dst);
  if (e && e->residual) c.input_like_output = kConvResidualInput;
  // Where else oneDNN has a direct implementation of its own (not gemm, not the reference)
  // for src and dst in the same layout, e.g. jit_1x1 in nChw16c next to Winograd layers.
  for (Layout l : {Layout::ChannelsLast, Layout::Blocked16})
    if (l != c.input && runs_well(s, fusion, l, l)) c.also_runs_in.push_back(l);
  prefer_measured_layout(s, fusion, c);
  return c;
}

class ConvKernel : public ConvLikeKernel {
 public:
  explicit ConvKernel(Fusion fusion) : fusion_(std::move(fusion)) {}
  void prepare(const KernelSetup& s) override {
    ThreadScope threads(s.threads);
    ConvBuild b = build_for_setup(s, fusion_);
    bind(dnnl::convolution_forward(b.pd), b.pd, b.d, s, b.residual, b.residual_md, b.residual_mode);
  }

 private:
  Fusion fusion_;
};

// The kernel of (domain, op_type): Conv, or a fused convolution (`fusion`: its OpDef's trait).
void add_conv_kernel(KernelRegistry& r, const std::string& domain, const std::string& op_type, Fusion fusion) {
  KernelDef d = kernel_def(
      op_type, "conv", [fusion](const KernelSetup& s) { return conv_supported(s, fusion); },
      [fusion] { return std::make_unique<ConvKernel>(fusion); });
  d.domain = domain;
  d.accepts_layouts = true;
  d.preferred_layouts = [fusion](const KernelSetup& s) { return conv_preferred_layouts(s, fusion); };
  r.add_kernel(std::move(d));
}

}  // namespace

// Conv, and every fused op whose core is Conv (ops/fused/conv.h), whatever its activation.
void register_onednn_conv(KernelRegistry& r, const OpRegistry& ops) {
  add_conv_kernel(r, "", "Conv", std::nullopt);
  for (const OpDef* def : ops.all_ops())
    if (def->fusion && def->fusion->core == "Conv") add_conv_kernel(r, def->domain, def->op_type, def->fusion);
}

}  // namespace layerscope
