// ReduceSum/Mean/Max/Min/Prod/L1/L2/SumSquare via dnnl::reduction. The reduced dims are kept
// as size 1 in the oneDNN destination; keepdims=0 only drops them from the shape, which does
// not change the row-major layout, so Y's buffer is used either way.
//   L1 = norm_lp_sum (p=1, eps=0): sum|x|;  L2 = norm_lp_sum (p=2): sqrt(sum x^2);
//   SumSquare = norm_lp_power_p_sum (p=2): sum x^2.
// The reduction is rewritten in a canonical form first (see build_reduce).
// Axes come from the 'axes' attribute, or from input 1 (ReduceSum >= 13, the others >= 18),
// which must then be a constant. Empty axes with noop_with_empty_axes=1 (identity) and
// reductions over size-1 dims only are left to the reference.
#include <algorithm>

#include "kernels/onednn/onednn_common.h"

namespace layerscope {
namespace {

using namespace onednn;

struct ReduceOp {
  const char* op_type;
  dnnl::algorithm alg;
  float p;
  int axes_input_since;  // opset from which axes is input 1
};

const ReduceOp kReduceOps[] = {
    {"ReduceSum", dnnl::algorithm::reduction_sum, 0.f, 13},
    {"ReduceMean", dnnl::algorithm::reduction_mean, 0.f, 18},
    {"ReduceMax", dnnl::algorithm::reduction_max, 0.f, 18},
    {"ReduceMin", dnnl::algorithm::reduction_min, 0.f, 18},
    {"ReduceProd", dnnl::algorithm::reduction_mul, 0.f, 18},
    {"ReduceL1", dnnl::algorithm::reduction_norm_lp_sum, 1.f, 18},
    {"ReduceL2", dnnl::algorithm::reduction_norm_lp_sum, 2.f, 18},
    {"ReduceSumSquare", dnnl::algorithm::reduction_norm_lp_power_p_sum, 2.f, 18},
};

struct ReduceBuild {
  dnnl::reduction::primitive_desc pd;
  dnnl::memory::desc src_md, dst_md;
};

// The reduced dims as a mask over X's dims; fails for what this kernel leaves to the reference.
std::vector<bool> reduced_dims(const KernelSetup& s, const ReduceOp& op) {
  const int rank = static_cast<int>(s.inputs[0].shape.size());
  std::vector<int64_t> axes;
  if (s.node.opset >= op.axes_input_since) {
    // An empty axes tensor needs no value: it means "all" (or identity with noop_with_empty_axes).
    if (has_input(s, 1) && shape_numel(s.inputs[1].shape) > 0) {
      const Tensor* t = s.constants[1];
      if (!t) fail("axes not constant");
      if (t->dtype() != DType::I64) fail("axes dtype");
      axes.assign(t->data_as<int64_t>(), t->data_as<int64_t>() + t->numel());
    }
  } else {
    axes = s.node.attrs.get_ints("axes");
  }
  std::vector<bool> mask(rank, axes.empty());
  if (axes.empty() && s.node.attrs.get_int("noop_with_empty_axes", 0) != 0) fail("identity");
  for (int64_t a : axes) {
    if (a < 0) a += rank;
    if (a < 0 || a >= rank) fail("axis out of range");
    mask[a] = true;
  }
  return mask;
}

// The problem in canonical form: size-1 dims dropped and neighbouring dims that are both
// reduced or both kept merged (row-major layouts are unchanged by either). oneDNN's jit
// reduction only handles some forms (e.g. a reduced trailing block), so this turns many
// more ONNX reductions into ones it accepts: ReduceMean axes {2,3} of [N,C,H,W] becomes
// [N*C, H*W] -> [N*C, 1].
ReduceBuild build_reduce(const KernelSetup& s, const ReduceOp& op) {
  const Shape& x = s.inputs[0].shape;
  std::vector<bool> mask = reduced_dims(s, op);
  dims src, dst;
  int prev = -1;  // kind of the last canonical dim: 1 reduced, 0 kept
  bool any = false;
  for (size_t i = 0; i < x.size(); ++i) {
    if (x[i] == 1) continue;
    const int kind = mask[i] ? 1 : 0;
    any |= kind == 1;
    if (kind == prev) {
      src.back() *= x[i];
    } else {
      src.push_back(x[i]);
      dst.push_back(0);
    }
    dst.back() = kind ? 1 : src.back();
    prev = kind;
  }
  if (!any) fail("nothing to reduce");
  ReduceBuild b;
  b.src_md = plain_md(src);
  b.dst_md = plain_md(dst);
  dnnl::reduction::desc d(op.alg, b.src_md, b.dst_md, op.p, 0.f);
  b.pd = dnnl::reduction::primitive_desc(d, base_attr(), engine());
  require_optimized(b.pd);
  return b;
}

bool reduce_supported(const KernelSetup& s, const ReduceOp& op) {
  if (s.inputs.empty() || !inputs_f32(s, {0}) || !outputs_f32(s)) return false;
  if (s.inputs[0].shape.empty() || shape_numel(s.inputs[0].shape) == 0) return false;
  return succeeds([&] { build_reduce(s, op); });
}

class ReduceKernel : public SrcDstKernel {
 public:
  explicit ReduceKernel(const ReduceOp& op) : op_(op) {}

  void prepare(const KernelSetup& s) override {
    ThreadScope threads(s.threads);
    ReduceBuild b = build_reduce(s, op_);
    init_src_dst<dnnl::reduction>(b.pd, b.src_md, b.dst_md);
  }

 private:
  const ReduceOp& op_;
};

}  // namespace

void register_onednn_reduction(KernelRegistry& r) {
  for (const ReduceOp& op : kReduceOps)
    onednn::add_kernel(
        r, op.op_type, "reduction", [&op](const KernelSetup& s) { return reduce_supported(s, op); },
        [&op] { return std::make_unique<ReduceKernel>(op); });
}

}  // namespace layerscope
