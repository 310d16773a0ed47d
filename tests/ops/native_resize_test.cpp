// native:resize_linear against the Resize reference kernel, for every coordinate mode it
// accepts, up- and down-sampling, and the cases it must decline.
#include <gtest/gtest.h>

#include <random>

#include "registry/registry.h"

namespace layerscope {
namespace {

struct ResizeCase {
  Node node;
  std::vector<TensorInfo> inputs, outputs;
  std::vector<Tensor> values;  // X, roi (empty), scales (empty), sizes
};

ResizeCase make_case(const std::string& coord_mode, const std::string& mode, Shape in, Shape out) {
  ResizeCase c;
  c.node.name = "resize";
  c.node.op_type = "Resize";
  c.node.opset = 13;
  c.node.inputs = {0, -1, -1, 3};
  c.node.outputs = {4};
  c.node.attrs.set("mode", mode);
  c.node.attrs.set("coordinate_transformation_mode", coord_mode);
  Tensor x(DType::F32, in);
  std::mt19937 rng(static_cast<unsigned>(in[2] * 131 + out[3]));
  std::normal_distribution<float> nd;
  for (int64_t i = 0; i < x.numel(); ++i) x.data_as<float>()[i] = nd(rng);
  Tensor sizes(DType::I64, {4});
  for (int i = 0; i < 4; ++i) sizes.data_as<int64_t>()[i] = out[i];
  c.values = {x, Tensor(), Tensor(), sizes};
  c.inputs = {{DType::F32, in}, {}, {}, {DType::I64, {4}}};
  c.outputs = {{DType::F32, out}};
  return c;
}

const KernelDef* native_kernel() {
  for (const KernelDef* k : Registry::builtin().kernels_for("", "Resize"))
    if (k->name == "native:resize_linear") return k;
  return nullptr;
}

TEST(NativeResize, MatchesReferenceForEveryCoordinateMode) {
  const KernelDef* kd = native_kernel();
  ASSERT_NE(kd, nullptr);
  const OpDef* ref = Registry::builtin().find_op("", "Resize", 13);
  ASSERT_NE(ref, nullptr);
  int checked = 0;
  for (const char* coord : {"align_corners", "half_pixel", "pytorch_half_pixel", "asymmetric"})
    for (auto [in, out] : std::vector<std::pair<Shape, Shape>>{{{1, 3, 17, 23}, {1, 3, 34, 45}},
                                                               {{2, 4, 9, 7}, {2, 4, 5, 16}},
                                                               {{1, 2, 40, 30}, {1, 2, 13, 11}},
                                                               {{1, 1, 1, 5}, {1, 1, 3, 5}},
                                                               // a segmentation head's upsampling: planes in two passes
                                                               {{1, 5, 33, 33}, {1, 5, 264, 264}}})
      for (int threads : {1, 2}) {
        ResizeCase c = make_case(coord, "linear", in, out);
        std::vector<const Tensor*> consts = {nullptr, nullptr, nullptr, &c.values[3]};
        KernelSetup setup{c.node, c.inputs, consts, c.outputs, threads};
        ASSERT_TRUE(kd->supports(setup)) << coord;
        auto kernel = kd->create();
        kernel->prepare(setup);
        std::vector<const Tensor*> ins = {&c.values[0], nullptr, nullptr, &c.values[3]};
        Tensor got(DType::F32, out), want(DType::F32, out);
        Tensor* gp = &got;
        Tensor* wp = &want;
        std::vector<char> scratch(kernel->scratch_bytes());
        kernel->execute(ins, std::span<Tensor* const>(&gp, 1), scratch.data());
        ref->reference(c.node, ins, std::span<Tensor* const>(&wp, 1));
        for (int64_t i = 0; i < want.numel(); ++i)
          ASSERT_NEAR(got.data_as<float>()[i], want.data_as<float>()[i], 1e-5f)
              << coord << " " << shape_to_string(in) << "->" << shape_to_string(out) << " at " << i;
        ++checked;
      }
  EXPECT_EQ(checked, 40);
}

TEST(NativeResize, DeclinesWhatItDoesNotImplement) {
  const KernelDef* kd = native_kernel();
  ASSERT_NE(kd, nullptr);
  auto supported = [&](ResizeCase c) {
    std::vector<const Tensor*> consts = {nullptr, nullptr, nullptr, &c.values[3]};
    return kd->supports(KernelSetup{c.node, c.inputs, consts, c.outputs, 1});
  };
  EXPECT_FALSE(supported(make_case("align_corners", "nearest", {1, 1, 4, 4}, {1, 1, 8, 8})));
  EXPECT_FALSE(supported(make_case("align_corners", "cubic", {1, 1, 4, 4}, {1, 1, 8, 8})));
  EXPECT_FALSE(supported(make_case("tf_crop_and_resize", "linear", {1, 1, 4, 4}, {1, 1, 8, 8})));
  EXPECT_FALSE(supported(make_case("align_corners", "linear", {1, 2, 4, 4}, {1, 4, 8, 8})));  // resizes C
  ResizeCase dynamic = make_case("align_corners", "linear", {1, 1, 4, 4}, {1, 1, 8, 8});
  std::vector<const Tensor*> none = {nullptr, nullptr, nullptr, nullptr};
  EXPECT_FALSE(kd->supports(KernelSetup{dynamic.node, dynamic.inputs, none, dynamic.outputs, 1}));
}

}  // namespace
}  // namespace layerscope
