// native:roialign against the reference kernel (same sample points, float instead of double
// sums) through the kernel harness: random rois inside, across and outside the feature map,
// inverted ones, both coordinate modes and opsets, fixed and adaptive sampling, several
// images and channel counts (not multiples of the vector width); and its errors.
#include "shape_test_util.h"

namespace layerscope::shape_test {
namespace {

// R random rois over an h x w map at `scale`: corners anywhere in [-4, size + 4], some inverted.
Tensor random_rois(std::mt19937& rng, int64_t r, int64_t h, int64_t w, float scale) {
  std::uniform_real_distribution<float> ux(-4.f, (static_cast<float>(w) + 4.f) / scale),
      uy(-4.f, (static_cast<float>(h) + 4.f) / scale);
  Tensor t(DType::F32, {r, 4});
  for (int64_t i = 0; i < r; ++i) {
    float x1 = ux(rng), y1 = uy(rng), x2 = ux(rng), y2 = uy(rng);
    if (i % 5 != 4) {  // every fifth one stays as drawn (possibly inverted)
      if (x2 < x1) std::swap(x1, x2);
      if (y2 < y1) std::swap(y1, y2);
    }
    float* p = t.data_as<float>() + i * 4;
    p[0] = x1, p[1] = y1, p[2] = x2, p[3] = y2;
  }
  return t;
}

void check(std::mt19937& rng, int opset, int64_t images, int64_t channels, int64_t h, int64_t w, int64_t rois,
           const AttrList& attrs, const std::string& what) {
  const float scale = 0.25f;
  Tensor x(DType::F32, {images, channels, h, w});
  std::normal_distribution<float> n01;
  for (int64_t i = 0; i < x.numel(); ++i) x.data_as<float>()[i] = n01(rng);
  Tensor batch(DType::I64, {rois});
  for (int64_t i = 0; i < rois; ++i) batch.data_as<int64_t>()[i] = static_cast<int64_t>(rng() % images);
  std::vector<In> in = {unknown(x), unknown(random_rois(rng, rois, h, w, scale)), unknown(batch)};
  AttrList all = attrs;
  all.push_back({"spatial_scale", scale});
  Node n = make_node("RoiAlign", opset, in, 1, all);
  SCOPED_TRACE(what);
  const testing::KernelCheck r = testing::check_kernels(n, case_inputs(in), {.threads = 2, .tolerance = 1e-5});
  EXPECT_TRUE(r.ran_kernel("native:roialign")) << what;
}

TEST(RoiAlignKernel, MatchesTheReference) {
  std::mt19937 rng(21);
  const AttrList bins = {{"output_height", int64_t{7}}, {"output_width", int64_t{5}}};
  for (int opset : {10, 16})
    for (int64_t ratio : {0, 2}) {
      AttrList a = bins;
      a.push_back({"sampling_ratio", ratio});
      check(rng, opset, 2, 17, 13, 11, 40, a, "opset " + std::to_string(opset) + " ratio " + std::to_string(ratio));
      if (opset == 16) {
        a.push_back({"coordinate_transformation_mode", std::string("output_half_pixel")});
        check(rng, opset, 1, 64, 10, 10, 25, a, "output_half_pixel, ratio " + std::to_string(ratio));
      }
    }
  check(rng, 16, 1, 3, 4, 4, 1, {}, "defaults: one bin");
  check(rng, 16, 1, 256, 10, 10, 150,
        {{"output_height", int64_t{7}}, {"output_width", int64_t{7}}, {"sampling_ratio", int64_t{2}}},
        "Faster R-CNN's box pooling");
}

TEST(RoiAlignKernel, DeclinesMaxModeAndNamesBadBatchIndices) {
  std::mt19937 rng(22);
  Tensor x(DType::F32, {1, 2, 4, 4});
  const Tensor rois = random_rois(rng, 2, 4, 4, 1.f);
  std::vector<In> good = {unknown(x), unknown(rois), unknown(i64({2}, {0, 0}))};
  EXPECT_FALSE(
      kernel_accepts("native:roialign", make_node("RoiAlign", 16, good, 1, {{"mode", std::string("max")}}), good));
  std::vector<In> in = {unknown(x), unknown(rois), unknown(i64({2}, {0, 3}))};
  try {
    run_kernel("native:roialign", make_node("RoiAlign", 16, in, 1, {}), in);
    FAIL() << "batch index 3 of 1 image was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("batch_indices[1] = 3 is out of range for 1 images"), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace layerscope::shape_test
