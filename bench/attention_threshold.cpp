// The measurement behind native:flash_sdpa's selection rule (src/kernels/native/flash_attention.cpp):
// the SDPAttention kernels native:sdpa (score tiles over all keys) and native:flash_sdpa
// (streaming over key blocks) on the same node, interleaved run by run, at 1 and 2 threads:
// self-attention of L tokens, 64 per head, the heads split out of [1, L, H, 64] tensors by views
// as the exporters' graphs give them (q/k/v_perm, out_perm), over L from ViT-B/16's 197 to 8192;
// then the other attention shapes of the zoo: BERT's 128 tokens with a key-padding mask, GPT's
// with a causal one, Swin-T's 7x7 windows (49 tokens, 32 per head, a relative position bias;
// 64 windows x 3 heads in its first stage, 1 x 24 in its last).
//
//   bench/attention_threshold.sh [SHAPE ...]   (builds this file against build/liblayerscope.a, runs it)
//   bench/attention_threshold.sh products      (the flash kernel's block products: ours against oneDNN's)
//
// SHAPE is L[qLq][xH][dD][bB][f][:mask]: L keys (and queries, unless Lq is given); H heads
// (default 6 up to 1531 tokens, then fewer, so a run stays under ~1 s); D the head size (64);
// B a batch (Swin's windows, 1); f: Q, K, V sliced out of one [L, 1, 3 H D] projection, as
// torchvision's ViT has them; mask none | pad ([1, 1, 1, L], BERT's key padding) | causal
// ([Lq, L], GPT) | bias ([1, H, Lq, L], Swin's relative position bias).
//
// Prints, per shape and thread count, the median milliseconds of each kernel, sdpa/flash (> 1:
// flash faster) and the kernel the runtime selects for the node. Timings mean something only on
// a quiet machine.
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <dnnl.hpp>
#include <limits>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "kernels/native/flash_blocks.h"
#include "ops/fused/transformer.h"
#include "registry/registry.h"

namespace layerscope {
namespace {

constexpr int64_t kHeadSize = 64;
const char* const kKernels[] = {"native:sdpa", "native:flash_sdpa"};

struct BenchShape {
  int64_t L = 0, H = 0, D = kHeadSize, Lq = 0, B = 1;
  bool fused = false;  // Q, K, V sliced out of one projection (ViT), not separate [B, L, H, D] tensors
  std::string mask = "none";
};

BenchShape parse(const std::string& text) {
  BenchShape b;
  const std::string s = text.substr(0, text.find(':'));
  if (size_t c = text.find(':'); c != std::string::npos) b.mask = text.substr(c + 1);
  b.L = std::atoll(s.c_str());
  if (size_t x = s.find('x'); x != std::string::npos) b.H = std::atoll(s.c_str() + x + 1);
  if (size_t d = s.find('d'); d != std::string::npos) b.D = std::atoll(s.c_str() + d + 1);
  if (size_t n = s.find('b'); n != std::string::npos) b.B = std::atoll(s.c_str() + n + 1);
  b.fused = s.find('f') != std::string::npos;
  b.Lq = b.L;
  if (size_t q = s.find('q'); q != std::string::npos) b.Lq = std::atoll(s.c_str() + q + 1);
  if (b.H == 0) b.H = b.L <= 1531 ? 6 : b.L <= 4096 ? 2 : 1;
  return b;
}

Tensor random_tensor(Shape shape, std::mt19937& rng) {
  Tensor t(DType::F32, std::move(shape));
  std::normal_distribution<float> n;
  for (int64_t i = 0; i < t.numel(); ++i) t.data_as<float>()[i] = n(rng);
  return t;
}

struct Timed {
  std::unique_ptr<Kernel> kernel;
  std::vector<double> ms;
};

struct Measured {
  std::vector<double> ms;  // median per kernel of kKernels
  std::string chosen;      // the kernel the runtime selects for the node
};

// Median milliseconds per kernel, the runs of the kernels interleaved.
Measured measure(const BenchShape& s, int threads, int runs) {
  std::mt19937 rng(1);
  const Shape blhd{s.B, s.L, s.H, s.D}, queries{s.B, s.Lq, s.H, s.D};
  Node n;
  n.name = "attention";
  n.op_type = "SDPAttention";
  n.domain = kFusedDomain;
  n.opset = 1;
  n.attrs.set("scale", 0.125f);
  std::vector<Tensor> in;
  if (s.fused) {
    // torchvision's ViT: Q, K, V sliced out of one [L, 1, 3 H D] projection, [L, H, D] each, the
    // heads split by views, K read as K^T ([H, D, L]).
    const int64_t E = s.H * s.D;
    const Shape lhd{s.L, s.H, s.D};
    in.push_back(random_tensor({s.L, 1, 3 * E}, rng));
    in.push_back(in[0]);
    in.push_back(in[0]);
    for (int i = 0; i < 3; ++i) {
      const char* x[] = {"q", "k", "v"};
      n.attrs.set(std::string(x[i]) + "_slice", std::vector<int64_t>{2, i * E, (i + 1) * E});
      n.attrs.set(std::string(x[i]) + "_shape", std::vector<int64_t>(lhd.begin(), lhd.end()));
      n.attrs.set(std::string(x[i]) + "_perm", i == 1 ? std::vector<int64_t>{1, 2, 0} : std::vector<int64_t>{1, 0, 2});
    }
    n.attrs.set("k_transposed", int64_t{1});
    n.attrs.set("out_perm", std::vector<int64_t>{1, 0, 2});
  } else {
    for (const char* a : {"q_perm", "k_perm", "v_perm", "out_perm"}) n.attrs.set(a, std::vector<int64_t>{0, 2, 1, 3});
    in = {random_tensor(queries, rng), random_tensor(blhd, rng), random_tensor(blhd, rng)};
  }
  if (s.mask == "pad") {
    in.emplace_back(DType::F32, Shape{1, 1, 1, s.L});  // the same for every batch item
    for (int64_t j = 0; j < s.L; ++j) in.back().data_as<float>()[j] = j < s.L * 3 / 4 ? 0.f : -10000.f;
  } else if (s.mask == "bias") {
    in.push_back(random_tensor({1, s.H, s.Lq, s.L}, rng));
  } else if (s.mask == "causal") {
    // The last Lq of L positions.
    in.emplace_back(DType::F32, Shape{s.Lq, s.L});
    for (int64_t i = 0; i < s.Lq; ++i)
      for (int64_t j = 0; j < s.L; ++j)
        in.back().data_as<float>()[i * s.L + j] = j <= s.L - s.Lq + i ? 0.f : -std::numeric_limits<float>::infinity();
  }
  for (size_t i = 0; i < in.size(); ++i) n.inputs.push_back(static_cast<int>(i));
  n.outputs = {static_cast<int>(in.size())};
  std::vector<TensorInfo> in_info;
  std::vector<const Tensor*> constants(in.size(), nullptr), values;
  for (const Tensor& t : in) {
    in_info.push_back({t.dtype(), t.shape()});
    values.push_back(&t);
  }
  const Shape result = s.fused ? Shape{s.L, s.H, s.D} : queries;
  const std::vector<TensorInfo> out_info = {{DType::F32, result}};
  Tensor out(DType::F32, result);
  Tensor* outs[] = {&out};
  const KernelSetup setup{n, in_info, constants, out_info, threads};

  // Both kernels run whatever their selection rule says (the point is to measure it); each can
  // compute every shape here.
  std::vector<Timed> kernels;
  for (const char* name : kKernels) {
    const KernelDef* def = nullptr;
    for (const KernelDef* d : Registry::builtin().kernels_for(kFusedDomain, "SDPAttention"))
      if (d->name == name) def = d;
    if (!def) {
      std::fprintf(stderr, "%s is not registered (native:flash_sdpa needs an AVX-512 build)\n", name);
      std::exit(1);
    }
    kernels.push_back({def->create(), {}});
    kernels.back().kernel->prepare(setup);
  }
  // One scratch buffer for both, as the runtime's arena gives each step its part: on this
  // machine (a VM) the speed of a buffer's pages for the second thread varies from one
  // allocation to the next by up to 20%, so separate buffers would compare their luck.
  size_t bytes = 0;
  for (const Timed& t : kernels) bytes = std::max(bytes, t.kernel->scratch_bytes());
  std::vector<char> buffer(bytes + 64);
  void* scratch = buffer.data() + (64 - reinterpret_cast<uintptr_t>(buffer.data()) % 64) % 64;
  for (int r = -2; r < runs; ++r)  // two warm-up runs each
    for (Timed& t : kernels) {
      const auto t0 = std::chrono::steady_clock::now();
      t.kernel->execute(values, outs, scratch);
      const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
      if (r >= 0) t.ms.push_back(ms);
    }
  Measured m;
  for (Timed& t : kernels) {
    std::nth_element(t.ms.begin(), t.ms.begin() + t.ms.size() / 2, t.ms.end());
    m.ms.push_back(t.ms[t.ms.size() / 2]);
  }
  const KernelDef* chosen = select_kernel(Registry::builtin(), setup);
  m.chosen = chosen ? chosen->name : "ref";
  return m;
}

// The flash kernel's two products of one (T query rows, Bk keys) block, D = Dv = 64, on one
// thread with cache-resident operands: our register tiles (flash_blocks::product) against
// oneDNN's matmul primitive on the same shapes (K read as K rows, "ba"; oneDNN's P V without the
// rescaling of the accumulator, which ours does in the same pass). Prints GMAC/s of each.
void block_products(int64_t T, int64_t Bk) {
  using dnnl::memory;
  omp_set_num_threads(1);
  dnnl::engine eng(dnnl::engine::kind::cpu, 0);
  dnnl::stream strm(eng);
  const int64_t D = kHeadSize;
  std::mt19937 rng(3);
  std::normal_distribution<float> nd;
  auto filled = [&](int64_t n) {
    std::vector<float> v(n);
    for (float& x : v) x = nd(rng);
    return v;
  };
  std::vector<float> q = filled(T * D), k = filled(Bk * D), kt(D * Bk), s(T * Bk), v = filled(Bk * D),
                     o = filled(T * D), scale(T, 0.5f);
  for (int64_t j = 0; j < Bk; ++j)
    for (int64_t d = 0; d < D; ++d) kt[d * Bk + j] = k[j * D + d];
  auto md = [](memory::dims d, memory::dims st) { return memory::desc(d, memory::data_type::f32, st); };
  dnnl::matmul qk(dnnl::matmul::primitive_desc(
      dnnl::matmul::desc(md({T, D}, {D, 1}), md({D, Bk}, {1, D}), md({T, Bk}, {Bk, 1})), eng));
  dnnl::matmul pv(dnnl::matmul::primitive_desc(
      dnnl::matmul::desc(md({T, Bk}, {Bk, 1}), md({Bk, D}, {D, 1}), md({T, D}, {D, 1})), eng));
  memory mq(md({T, D}, {D, 1}), eng, q.data()), mk(md({D, Bk}, {1, D}), eng, k.data()),
      ms(md({T, Bk}, {Bk, 1}), eng, s.data()), mv(md({Bk, D}, {D, 1}), eng, v.data()),
      mo(md({T, D}, {D, 1}), eng, o.data());
  auto gmacs = [&](auto&& f) {
    std::vector<double> per;
    for (int r = 0; r < 31; ++r) {
      const auto t0 = std::chrono::steady_clock::now();
      for (int i = 0; i < 200; ++i) f();
      per.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
    std::nth_element(per.begin(), per.begin() + per.size() / 2, per.end());
    return 200.0 * T * Bk * D / per[per.size() / 2] / 1e9;
  };
  const double ours_qk =
      gmacs([&] { flash_blocks::product(q.data(), D, kt.data(), Bk, s.data(), Bk, T, D, Bk, nullptr); });
  const double dnnl_qk = gmacs([&] {
    qk.execute(strm, {{DNNL_ARG_SRC, mq}, {DNNL_ARG_WEIGHTS, mk}, {DNNL_ARG_DST, ms}});
  });
  const double ours_pv =
      gmacs([&] { flash_blocks::product(s.data(), Bk, v.data(), D, o.data(), D, T, Bk, D, scale.data()); });
  const double dnnl_pv = gmacs([&] {
    pv.execute(strm, {{DNNL_ARG_SRC, ms}, {DNNL_ARG_WEIGHTS, mv}, {DNNL_ARG_DST, mo}});
  });
  std::printf("%4lld x %-4lld %12.1f %12.1f %12.1f %12.1f\n", static_cast<long long>(T), static_cast<long long>(Bk),
              ours_qk, dnnl_qk, ours_pv, dnnl_pv);
}

}  // namespace
}  // namespace layerscope

int main(int argc, char** argv) {
  using layerscope::BenchShape;
  std::vector<BenchShape> shapes;
  if (argc > 1 && std::string(argv[1]) == "products") {
    std::printf("block products, 1 thread, GMAC/s\n%-11s %12s %12s %12s %12s\n", "T x Bk", "QK^T ours", "QK^T oneDNN",
                "PV ours", "PV oneDNN");
    for (int64_t T : {48, 96, 192})
      for (int64_t Bk : {64, 128, 256, 512}) layerscope::block_products(T, Bk);
    return 0;
  }
  for (int i = 1; i < argc; ++i) shapes.push_back(layerscope::parse(argv[i]));
  if (shapes.empty())
    for (const char* s : {"197x12", "197x12f", "512", "1024", "1531", "2048", "4096", "8192", "128x12:pad",
                          "128x12:causal", "49x3d32b64:bias", "49x24d32:bias"})
      shapes.push_back(layerscope::parse(s));
  std::printf("%-22s %7s %7s %11s %11s %11s  %s\n", "shape (mask)", "threads", "GMAC", "sdpa ms", "flash ms",
              "sdpa/flash", "selected");
  for (const BenchShape& s : shapes)
    for (int threads : {1, 2}) {
      const double gmac = 2.0 * s.B * s.H * s.Lq * s.L * s.D / 1e9;
      const int runs = std::clamp(static_cast<int>(40 / std::max(gmac, 0.05)), 9, 400);
      const layerscope::Measured m = layerscope::measure(s, threads, runs);
      char label[48];
      std::snprintf(label, sizeof label, "%lld%sx%lldd%lld%s%s %s", static_cast<long long>(s.L),
                    s.Lq == s.L ? "" : ("q" + std::to_string(s.Lq)).c_str(), static_cast<long long>(s.H),
                    static_cast<long long>(s.D), s.B == 1 ? "" : ("b" + std::to_string(s.B)).c_str(),
                    s.fused ? "f" : "", s.mask == "none" ? "" : s.mask.c_str());
      std::printf("%-22s %7d %7.2f %11.3f %11.3f %11.2f  %s\n", label, threads, gmac, m.ms[0], m.ms[1],
                  m.ms[0] / m.ms[1], m.chosen.c_str());
      std::fflush(stdout);
    }
  return 0;
}
