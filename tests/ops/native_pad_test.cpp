// native:pad against Pad's reference kernel, byte for byte: every mode, random ranks and pads
// (negative ones crop), the opset forms (attributes, pads/value inputs, axes, wrap), element
// sizes, the parallel path; and channels-last / blocked buffers against the reference on the
// logical tensor.
#include "ir/layout.h"
#include "shape_test_util.h"

namespace layerscope::shape_test {
namespace {

using V = std::vector<int64_t>;

const DType kSizes[] = {DType::U8, DType::F16, DType::F32, DType::I64};
const char* kModes[] = {"constant", "reflect", "edge", "wrap"};

// Random pads for `x`: in [-dim+1, dim-1] for reflect (it needs pads below the axis length),
// [-dim, 2*dim] otherwise; never below an empty output.
V random_pads(std::mt19937& rng, const Shape& x, const std::string& mode, const V& axes) {
  V begin, end;
  for (int64_t a : axes) {
    const int64_t dim = x[a];
    auto pick = [&](int64_t min) {
      if (rng() % 3 == 0) return int64_t{0};
      const int64_t hi = mode == "reflect" ? dim - 1 : 2 * dim;
      return min + static_cast<int64_t>(rng() % (hi - min + 1));
    };
    int64_t b = pick(-dim + 1), e = pick(-dim + 1);
    if (dim + b + e < 0) e = -dim - b;  // keep the output size >= 0
    begin.push_back(b);
    end.push_back(e);
  }
  begin.insert(begin.end(), end.begin(), end.end());
  return begin;
}

// Through the kernel harness: native:pad (and any other kernel that accepts the node) byte for
// byte against the reference.
void check(const Node& n, const std::vector<In>& in, const std::string& what) {
  expect_kernels_match("native:pad", n, in, what);
}

TEST(NativePad, RandomAllModes) {
  std::mt19937 rng(11);
  for (int iter = 0; iter < 400; ++iter) {
    const std::string mode = kModes[iter % 4];
    const int rank = 1 + static_cast<int>(rng() % 5);
    Shape s(rank);
    const int max_dim = iter % 25 == 0 ? (rank <= 2 ? 600 : 24) : 7;  // some big: parallel path
    for (int64_t& d : s) d = 1 + static_cast<int64_t>(rng() % max_dim);
    V axes;
    for (int d = 0; d < rank; ++d) axes.push_back(d);
    const DType dt = kSizes[iter % 3 == 0 ? 3 : rng() % 4];
    std::vector<In> in = {{random_tensor(dt, s, rng)}, {i64s(random_pads(rng, s, mode, axes))}};
    if (mode == "constant" && (iter / 4) % 2) in.push_back({random_tensor(dt, {}, rng)});
    Node n = make_node("Pad", 19, in, 1, {{"mode", mode}});
    check(n, in, mode + " " + shape_to_string(s) + " iter " + std::to_string(iter));
  }
}

TEST(NativePad, AxesInputAndOpsets) {
  std::mt19937 rng(12);
  for (int iter = 0; iter < 120; ++iter) {
    const std::string mode = kModes[iter % 3];  // opset 18: no wrap
    const int rank = 2 + static_cast<int>(rng() % 3);
    Shape s(rank);
    for (int64_t& d : s) d = 1 + static_cast<int64_t>(rng() % 6);
    V axes, named;
    for (int d = 0; d < rank; ++d)
      if (rng() % 2) {
        axes.push_back(d);
        named.push_back(rng() % 2 ? d : d - rank);  // negative axes too
      }
    std::vector<In> in = {
        {random_tensor(DType::F32, s, rng)}, {i64s(random_pads(rng, s, mode, axes))}, {f32({}, {2.5f})}, {i64s(named)}};
    if (iter % 3 == 0) in[2] = omitted();
    check(make_node("Pad", 18, in, 1, {{"mode", mode}}), in, "opset 18 " + mode + " " + std::to_string(iter));
  }
  // Opset 2-10: attributes 'pads' and 'value'; opset 1: 'paddings'; opset 11: value input.
  Tensor x = random_tensor(DType::F32, {3, 4, 5}, rng);
  std::vector<In> legacy = {{x}};
  check(make_node("Pad", 2, legacy, 1, {{"pads", V{1, -1, 2, 0, 3, 1}}, {"value", 1.5f}}), legacy, "pad-2");
  check(make_node("Pad", 2, legacy, 1, {{"pads", V{0, 2, 2, 1, 0, 2}}, {"mode", std::string("reflect")}}), legacy,
        "pad-2 reflect");
  check(make_node("Pad", 1, legacy, 1, {{"paddings", V{1, 0, 0, 0, 1, 3}}, {"value", -7.f}}), legacy, "pad-1");
  std::vector<In> v11 = {{x}, {i64s({0, 1, 1, 2, 0, 3})}, {f32({}, {9.f})}};
  check(make_node("Pad", 11, v11, 1, {}), v11, "pad-11 value");
  // A fill computed at run time (constant_value not known at plan time).
  std::vector<In> late = {{x}, {i64s({0, 1, 1, 2, 0, 3})}, unknown(f32({}, {-3.f}))};
  check(make_node("Pad", 13, late, 1, {}), late, "run-time value");
  // An empty input padded in constant mode; pads that crop everything.
  std::vector<In> empty = {{Tensor(DType::F32, {2, 0, 3})}, {i64s({0, 2, 1, 0, 1, 0})}, {f32({}, {4.f})}};
  check(make_node("Pad", 13, empty, 1, {}), empty, "empty input");
  std::vector<In> crop = {{x}, {i64s({0, -2, 0, 0, -2, 0})}};
  check(make_node("Pad", 13, crop, 1, {}), crop, "crop to empty");
  // All pads zero: a plain copy.
  std::vector<In> zero = {{x}, {i64s(V(6, 0))}};
  check(make_node("Pad", 13, zero, 1, {{"mode", std::string("edge")}}), zero, "no pads");
}

TEST(NativePad, ImageShapes) {
  std::mt19937 rng(13);
  // The zoo's cases: densenet/inception's 1-pixel border before AveragePool, a 1-D conv's reflect.
  for (const char* mode : kModes) {
    std::vector<In> in = {{random_tensor(DType::F32, {1, 96, 35, 35}, rng)}, {i64s({0, 0, 1, 1, 0, 0, 1, 1})}};
    check(make_node("Pad", 19, in, 1, {{"mode", std::string(mode)}}), in, std::string("image ") + mode);
    std::vector<In> audio = {{random_tensor(DType::F32, {2, 64, 1000}, rng)}, {i64s({0, 0, 3, 0, 0, 3})}};
    check(make_node("Pad", 19, audio, 1, {{"mode", std::string(mode)}}), audio, std::string("1-D ") + mode);
    std::vector<In> big_rows = {{random_tensor(DType::F32, {300, 2, 600}, rng)}, {i64s({4, 0, 0, 5, 0, 0})}};
    check(make_node("Pad", 19, big_rows, 1, {{"mode", std::string(mode)}}), big_rows, std::string("outer ") + mode);
  }
}

// The logical tensor `t` (rank 3-5, [N, C, spatial...]) written into a buffer of layout `l`
// (channel padding zero), and back.
Tensor to_layout(const Tensor& t, Layout l) {
  const int64_t N = t.dim(0), C = t.dim(1), S = t.numel() / std::max<int64_t>(N * C, 1);
  Tensor b(DType::F32, {layout_numel(t.shape(), l)});
  std::memset(b.data(), 0, b.nbytes());
  for (int64_t n = 0; n < N; ++n)
    for (int64_t c = 0; c < C; ++c)
      for (int64_t s = 0; s < S; ++s)
        b.data_as<float>()[layout_offset(l, C, S, n, c, s)] = t.data_as<float>()[(n * C + c) * S + s];
  return b;
}

TEST(NativePad, ChannelsLastAndBlockedBuffers) {
  std::mt19937 rng(14);
  const Layout layouts[] = {Layout::ChannelsLast, Layout::Blocked8, Layout::Blocked16};
  for (int iter = 0; iter < 60; ++iter) {
    const Layout l = layouts[iter % 3];
    const std::string mode = kModes[(iter / 3) % 4];
    const int rank = 3 + static_cast<int>(rng() % 3);
    Shape s(rank);
    for (int64_t& d : s) d = 1 + static_cast<int64_t>(rng() % 6);
    s[1] = iter % 2 ? 16 : 1 + static_cast<int64_t>(rng() % 20);  // channels filling the blocks, or not
    V spatial;
    for (int d = 2; d < rank; ++d) spatial.push_back(d);
    V pads(2 * rank, 0);
    V sp = random_pads(rng, s, mode, spatial);
    for (size_t i = 0; i < spatial.size(); ++i) {
      pads[spatial[i]] = sp[i];
      pads[rank + spatial[i]] = sp[spatial.size() + i];
    }
    Tensor x(DType::F32, s);
    for (int64_t i = 0; i < x.numel(); ++i) x.data_as<float>()[i] = static_cast<float>(rng() % 1000) - 500.f;
    std::vector<In> in = {{x}, {i64s(pads)}};
    Node n = make_node("Pad", 19, in, 1, {{"mode", mode}});
    const Tensor expected = to_layout(run_all(n, in)[0], l);
    // The kernel over the layout's buffers, as the planner hands them.
    std::vector<TensorInfo> outs = infer(n, in);
    std::vector<TensorInfo> infos = {{DType::F32, s}, {DType::I64, {2 * rank}}};
    std::vector<const Tensor*> consts = {nullptr, &in[1].t};
    KernelSetup setup{n, infos, consts, outs, 2, {l, Layout::Plain}, {l}};
    const KernelDef* k = nullptr;
    for (const KernelDef* d : Registry::builtin().kernels_for("", "Pad"))
      if (d->name == "native:pad") k = d;
    ASSERT_NE(k, nullptr);
    const std::string what = std::string(layout_name(l)) + " " + mode + " " + shape_to_string(s);
    ASSERT_TRUE(k->accepts_layouts);
    ASSERT_TRUE(k->supports(setup)) << what;
    auto impl = k->create();
    impl->prepare(setup);
    std::vector<char> scratch(impl->scratch_bytes() + 64);
    Tensor xb = to_layout(x, l), yb(DType::F32, {layout_numel(outs[0].shape, l)});
    std::memset(yb.data(), 0x5A, yb.nbytes());
    const Tensor* ins[] = {&xb, &in[1].t};
    Tensor* os[] = {&yb};
    impl->execute(ins, os, scratch.data());
    EXPECT_EQ(std::memcmp(yb.data(), expected.data(), yb.nbytes()), 0) << what;
  }
  // Refused: channel pads in a non-Plain layout; a non-zero constant over zero-padded channels.
  Tensor x(DType::F32, {1, 5, 4, 4});
  for (auto [pads, l, ok] : {std::tuple{V{0, 1, 0, 0, 0, 0, 0, 0}, Layout::ChannelsLast, false},
                             std::tuple{V{0, 0, 1, 1, 0, 0, 1, 1}, Layout::ChannelsLast, true},
                             std::tuple{V{0, 0, 1, 1, 0, 0, 1, 1}, Layout::Blocked16, false}}) {
    std::vector<In> in = {{x}, {i64s(pads)}, {f32({}, {1.f})}};
    Node n = make_node("Pad", 13, in, 1, {});
    std::vector<TensorInfo> outs = infer(n, in);
    std::vector<TensorInfo> infos = {{DType::F32, x.shape()}, {DType::I64, {8}}, {DType::F32, {}}};
    std::vector<const Tensor*> consts = {nullptr, &in[1].t, &in[2].t};
    KernelSetup setup{n, infos, consts, outs, 1, {l, Layout::Plain, Layout::Plain}, {l}};
    for (const KernelDef* d : Registry::builtin().kernels_for("", "Pad")) {
      if (d->name != "native:pad") continue;
      EXPECT_EQ(d->supports(setup), ok) << layout_name(l);
    }
  }
}

}  // namespace
}  // namespace layerscope::shape_test
