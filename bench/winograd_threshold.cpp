// The measurement behind kWinogradMinChannels (src/kernels/onednn/conv.cpp): oneDNN's
// Winograd convolution against its direct algorithm on 3x3 stride-1 convolutions around the
// threshold (channels below, at and above 16) and on ResNet-50-like layers, at 1 and 2 threads.
// Each algorithm as layerscope builds it: Winograd with src/dst in nChw16c, direct with every
// format left to oneDNN ("any", so brgconv/jit pick their own). Weights are reordered once
// outside the timing, as the kernel packs them at prepare().
//
//   bench/winograd_threshold.sh [C_in,C_out,H,W ...]  (builds this file against Debian's oneDNN and runs it)
//
// Prints one line per shape and thread count: median milliseconds over the runs of each
// algorithm and direct/winograd (> 1: Winograd faster); "-" when oneDNN has no Winograd kernel
// for the shape on this CPU. Timings mean something only on a quiet machine.
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <dnnl.hpp>
#include <optional>
#include <vector>

namespace {

struct Shape {
  int c_in, c_out, h, w;
};

using tag = dnnl::memory::format_tag;

// Median milliseconds of `runs` executions of a convolution with the given algorithm and
// src/dst format, or nullopt when oneDNN has no implementation.
std::optional<double> time_conv(const dnnl::engine& eng, const Shape& s, dnnl::algorithm alg, tag act_tag, int runs) {
  using dt = dnnl::memory::data_type;
  const dnnl::memory::dims src_dims{1, s.c_in, s.h, s.w}, dst_dims{1, s.c_out, s.h, s.w};
  const dnnl::memory::dims w_dims{s.c_out, s.c_in, 3, 3}, b_dims{s.c_out};
  const dnnl::memory::desc src_md(src_dims, dt::f32, act_tag), dst_md(dst_dims, dt::f32, act_tag);
  const dnnl::memory::desc w_md(w_dims, dt::f32, tag::any), b_md(b_dims, dt::f32, tag::x);
  dnnl::convolution_forward::primitive_desc pd;
  try {
    dnnl::convolution_forward::desc d(dnnl::prop_kind::forward_inference, alg, src_md, w_md, b_md, dst_md, {1, 1},
                                      {1, 1}, {1, 1});
    pd = dnnl::convolution_forward::primitive_desc(d, eng);
  } catch (const dnnl::error&) {
    return std::nullopt;
  }
  dnnl::stream strm(eng);
  dnnl::memory src(pd.src_desc(), eng), dst(pd.dst_desc(), eng), bias(pd.bias_desc(), eng);
  dnnl::memory w_plain({w_dims, dt::f32, tag::oihw}, eng), w(pd.weights_desc(), eng);
  auto fill = [](dnnl::memory& m) {
    float* p = static_cast<float*>(m.get_data_handle());
    const size_t n = m.get_desc().get_size() / sizeof(float);
    for (size_t i = 0; i < n; ++i) p[i] = static_cast<float>((i * 7919) % 1000) / 1000.f - 0.5f;
  };
  fill(src), fill(bias), fill(w_plain);
  dnnl::reorder(w_plain, w).execute(strm, w_plain, w);
  dnnl::convolution_forward conv(pd);
  auto run = [&] {
    conv.execute(strm, {{DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, w}, {DNNL_ARG_BIAS, bias}, {DNNL_ARG_DST, dst}});
    strm.wait();
  };
  for (int i = 0; i < 3; ++i) run();  // warm-up: JIT code, caches
  std::vector<double> ms;
  for (int i = 0; i < runs; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    run();
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  std::nth_element(ms.begin(), ms.begin() + ms.size() / 2, ms.end());
  return ms[ms.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  const dnnl::engine eng(dnnl::engine::kind::cpu, 0);
  std::vector<Shape> shapes = {
      {3, 64, 224, 224}, {8, 32, 112, 112}, {8, 8, 112, 112},   {12, 12, 56, 56},   {16, 16, 56, 56}, {16, 32, 56, 56},
      {32, 32, 56, 56},  {64, 64, 56, 56},  {128, 128, 28, 28}, {256, 256, 14, 14}, {512, 512, 7, 7},
  };
  // Other shapes as arguments C_in,C_out,H,W (e.g. 2048,512,65,65: FCN's head).
  if (argc > 1) shapes.clear();
  for (int i = 1; i < argc; ++i) {
    Shape s{};
    if (std::sscanf(argv[i], "%d,%d,%d,%d", &s.c_in, &s.c_out, &s.h, &s.w) != 4) {
      std::fprintf(stderr, "usage: %s [C_in,C_out,H,W ...]\n", argv[0]);
      return 2;
    }
    shapes.push_back(s);
  }
  const int runs = argc > 1 ? 7 : 20;
  std::printf("%-22s %7s %12s %12s %16s\n", "C_in->C_out @HxW", "threads", "direct ms", "winograd ms",
              "direct/winograd");
  for (int threads : {1, 2}) {
    omp_set_num_threads(threads);
    for (const Shape& s : shapes) {
      const std::optional<double> direct = time_conv(eng, s, dnnl::algorithm::convolution_direct, tag::any, runs);
      const std::optional<double> wino = time_conv(eng, s, dnnl::algorithm::convolution_winograd, tag::nChw16c, runs);
      char label[64];
      std::snprintf(label, sizeof label, "%d->%d @%dx%d", s.c_in, s.c_out, s.h, s.w);
      if (direct && wino)
        std::printf("%-22s %7d %12.3f %12.3f %16.2f\n", label, threads, *direct, *wino, *direct / *wino);
      else std::printf("%-22s %7d %12s %12s %16s\n", label, threads, direct ? "ok" : "-", wino ? "ok" : "-", "-");
    }
  }
  return 0;
}
