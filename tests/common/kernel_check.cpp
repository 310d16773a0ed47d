// The kernel test harness (kernel_check.h).
#include "kernel_check.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>

#include "ir/error.h"

namespace layerscope::testing {
namespace {

constexpr int kMaxReportedMismatches = 5;
constexpr unsigned char kReferenceFill = 0xA5, kKernelFill = 0x5A;

const OpDef* op_def(const Node& n) { return Registry::builtin().find_op(n.domain, n.op_type, n.opset); }

std::vector<Tensor> filled_outputs(const std::vector<TensorInfo>& infos, const Node& node, unsigned char fill) {
  std::vector<Tensor> out;
  for (size_t k = 0; k < infos.size(); ++k) {
    if (k < node.outputs.size() && node.outputs[k] < 0) {
      out.emplace_back();
      continue;
    }
    out.emplace_back(infos[k].dtype, infos[k].shape);
    if (out.back().nbytes()) std::memset(out.back().data(), fill, out.back().nbytes());
  }
  return out;
}

// Output pointers for the kernel: nullptr where the node leaves an output unwired.
std::vector<Tensor*> pointers(std::vector<Tensor>& ts, const Node& node) {
  std::vector<Tensor*> p;
  for (size_t k = 0; k < ts.size(); ++k) p.push_back(k < node.outputs.size() && node.outputs[k] < 0 ? nullptr : &ts[k]);
  return p;
}

// Compares one output, reporting each mismatching element (the first few) as a test failure.
void compare(const Tensor& ref, const Tensor& got, const CheckOptions& options, const std::string& what) {
  const double tol = options.tolerance;
  ASSERT_EQ(ref.dtype(), got.dtype()) << what;
  ASSERT_EQ(ref.shape(), got.shape()) << what;
  if (tol > 0 && ref.dtype() == DType::F32) {
    const float* r = ref.data_as<float>();
    const float* g = got.data_as<float>();
    double scale = options.scale_floor;
    for (int64_t i = 0; i < ref.numel(); ++i)
      if (std::isfinite(r[i])) scale = std::max(scale, double(std::abs(r[i])));
    int bad = 0;
    for (int64_t i = 0; i < ref.numel() && bad < kMaxReportedMismatches; ++i) {
      if (std::isnan(r[i]) ? std::isnan(g[i]) : std::isinf(r[i]) ? g[i] == r[i] : false) continue;
      const double allowed =
          tol * (options.per_element ? std::max(options.scale_floor, std::fabs(double(r[i]))) : scale);
      if (std::fabs(double(g[i]) - r[i]) <= allowed) continue;
      ++bad;
      ADD_FAILURE() << what << " [" << i << "]: reference " << r[i] << ", kernel " << g[i] << " (tolerance " << allowed
                    << ")";
    }
    return;
  }
  if (ref.nbytes() == 0) return;
  if (options.quant_steps > 0 && (ref.dtype() == DType::I8 || ref.dtype() == DType::U8)) {
    int bad = 0, off_by_one = 0;
    for (int64_t i = 0; i < ref.numel() && bad < kMaxReportedMismatches; ++i) {
      const int r = ref.dtype() == DType::I8 ? ref.data_as<int8_t>()[i] : ref.data_as<uint8_t>()[i];
      const int g = got.dtype() == DType::I8 ? got.data_as<int8_t>()[i] : got.data_as<uint8_t>()[i];
      if (r == g) continue;
      if (std::abs(r - g) <= options.quant_steps) {
        ++off_by_one;
        continue;
      }
      ++bad;
      ADD_FAILURE() << what << " [" << i << "]: reference " << r << ", kernel " << g << " (at most "
                    << options.quant_steps << " step(s) apart allowed)";
    }
    // Rounding ties only: a few elements in a thousand at most.
    EXPECT_LE(off_by_one, std::max<int64_t>(1, ref.numel() / 1000)) << what << ": elements one step apart";
    return;
  }
  const auto* r = static_cast<const unsigned char*>(ref.data());
  const auto* g = static_cast<const unsigned char*>(got.data());
  if (std::memcmp(r, g, ref.nbytes()) == 0) return;
  const size_t es = ref.nbytes() / static_cast<size_t>(ref.numel());
  int bad = 0;
  for (size_t i = 0; i < ref.nbytes() && bad < kMaxReportedMismatches; i += es)
    if (std::memcmp(r + i, g + i, es) != 0) {
      ++bad;
      ADD_FAILURE() << what << ": element " << i / es << " differs from the reference (byte for byte)";
    }
}

std::string describe_case(const Node& node, const std::vector<CaseInput>& inputs) {
  std::string s = Graph::describe(node);
  for (const CaseInput& in : inputs) s += " " + (in.omitted ? std::string("-") : shape_to_string(in.t.shape()));
  return s;
}

}  // namespace

Node make_node(const std::string& op, int opset, size_t n_inputs, size_t n_outputs, Attributes attrs,
               const std::string& domain) {
  Node n;
  n.name = "n";
  n.op_type = op;
  n.domain = domain;
  n.opset = opset;
  n.attrs = std::move(attrs);
  for (size_t i = 0; i < n_inputs; ++i) n.inputs.push_back(static_cast<int>(i));
  for (size_t i = 0; i < n_outputs; ++i) n.outputs.push_back(static_cast<int>(n_inputs + i));
  return n;
}

Tensor random_f32(std::mt19937& rng, Shape shape, float lo, float hi) {
  Tensor t(DType::F32, std::move(shape));
  std::uniform_real_distribution<float> u(lo, hi);
  for (int64_t i = 0; i < t.numel(); ++i) t.data_as<float>()[i] = u(rng);
  return t;
}

Tensor random_bytes(std::mt19937& rng, DType dtype, Shape shape) {
  Tensor t(dtype, std::move(shape));
  auto* p = static_cast<unsigned char*>(t.data());
  for (size_t i = 0; i < t.nbytes(); ++i) p[i] = static_cast<unsigned char>(rng());
  return t;
}

Tensor i64s(const std::vector<int64_t>& values) {
  Tensor t(DType::I64, {static_cast<int64_t>(values.size())});
  std::copy(values.begin(), values.end(), t.data_as<int64_t>());
  return t;
}

Tensor f32s(const std::vector<float>& values) {
  Tensor t(DType::F32, {static_cast<int64_t>(values.size())});
  std::copy(values.begin(), values.end(), t.data_as<float>());
  return t;
}

Attributes attrs(std::initializer_list<std::pair<const char*, AttrValue>> kv) {
  Attributes a;
  for (const auto& [k, v] : kv) a.set(k, v);
  return a;
}

const KernelRun* KernelCheck::find(std::string_view prefix) const {
  for (const KernelRun& r : ran)
    if (std::string_view(r.registered).substr(0, prefix.size()) == prefix) return &r;
  return nullptr;
}

namespace {

// What every kernel of a case is given: the node with omitted inputs unwired, input types,
// plan-time constants, inferred outputs.
struct Prepared {
  Node node;
  const OpDef* def = nullptr;
  std::vector<TensorInfo> in_info = {};
  std::vector<const Tensor*> constants = {}, values = {};
  std::vector<TensorInfo> out_info = {};
};

std::optional<Prepared> prepare_case(const Node& node, const std::vector<CaseInput>& inputs) {
  Prepared p{node};
  EXPECT_EQ(node.inputs.size(), inputs.size()) << Graph::describe(node) << ": one CaseInput per node input";
  for (size_t i = 0; i < inputs.size() && i < p.node.inputs.size(); ++i)
    if (inputs[i].omitted) p.node.inputs[i] = -1;
  p.def = op_def(p.node);
  EXPECT_NE(p.def, nullptr) << "no OpDef for " << Graph::describe(p.node) << " at opset " << p.node.opset;
  if (!p.def) return std::nullopt;
  const std::string problem = Registry::builtin().attribute_problem(p.node);
  EXPECT_EQ(problem, "") << Graph::describe(p.node) << ": attributes the OpDef does not declare";
  for (const CaseInput& in : inputs) {
    p.in_info.push_back(in.omitted ? TensorInfo{} : TensorInfo{in.t.dtype(), in.t.shape()});
    p.constants.push_back(in.constant && !in.omitted ? &in.t : nullptr);
    p.values.push_back(in.omitted ? nullptr : &in.t);
  }
  InferContext ctx = infer_context(*p.def, p.node, p.in_info, p.constants);
  p.def->infer(ctx);
  p.out_info = ctx.outputs();
  return p;
}

// prepare() + execute() of one kernel, twice; the outputs of the second run.
std::vector<Tensor> execute(const KernelDef& kd, const Prepared& p, const KernelSetup& setup, KernelRun& run) {
  std::unique_ptr<Kernel> k = kd.create();
  k->prepare(setup);
  run.implementation = k->name();
  run.scratch_bytes = k->scratch_bytes();
  std::vector<char> scratch(k->scratch_bytes() + 64);
  void* aligned = scratch.data() + (64 - reinterpret_cast<uintptr_t>(scratch.data()) % 64) % 64;
  std::vector<Tensor> got;
  for (int rep = 0; rep < 2; ++rep) {
    got = filled_outputs(p.out_info, p.node, kKernelFill);
    std::vector<Tensor*> out = pointers(got, p.node);
    k->execute(p.values, out, aligned);
  }
  return got;
}

}  // namespace

KernelCheck check_kernels(const Node& node, const std::vector<CaseInput>& inputs, const CheckOptions& options) {
  KernelCheck result;
  std::optional<Prepared> p = prepare_case(node, inputs);
  if (!p) return result;
  result.outputs = p->out_info;
  result.reference = filled_outputs(p->out_info, p->node, kReferenceFill);
  std::vector<Tensor*> ref_out = pointers(result.reference, p->node);
  p->def->reference(p->node, p->values, ref_out);

  KernelSetup setup{p->node, p->in_info, p->constants, p->out_info, options.threads};
  for (const KernelDef* kd : Registry::builtin().kernels_for(p->node.domain, p->node.op_type)) {
    if (kd->name.rfind(options.only, 0) != 0) continue;
    if (kd->supports && !kd->supports(setup)) {
      result.declined.push_back(kd->name);
      continue;
    }
    KernelRun run{kd->name, ""};
    std::vector<Tensor> got = execute(*kd, *p, setup, run);
    for (size_t o = 0; o < got.size(); ++o) {
      if (!ref_out[o]) continue;
      compare(result.reference[o], got[o], options,
              describe_case(p->node, inputs) + " output " + std::to_string(o) + " (" + run.implementation + ")");
    }
    result.ran.push_back(std::move(run));
  }
  return result;
}

std::vector<Tensor> run_kernel(const std::string& kernel, const Node& node, const std::vector<CaseInput>& inputs,
                               int threads) {
  std::optional<Prepared> p = prepare_case(node, inputs);
  if (!p) fail("no OpDef for ", Graph::describe(node));
  KernelSetup setup{p->node, p->in_info, p->constants, p->out_info, threads};
  for (const KernelDef* kd : Registry::builtin().kernels_for(p->node.domain, p->node.op_type)) {
    if (kd->name != kernel) continue;
    if (kd->supports && !kd->supports(setup)) fail(kernel, " does not accept ", describe_case(p->node, inputs));
    KernelRun run;
    return execute(*kd, *p, setup, run);
  }
  fail("no kernel registered as ", kernel, " for ", Graph::describe(p->node));
}

}  // namespace layerscope::testing
