// Einsum (opset 12+): Y[out labels] = sum over the other labels of prod_k X_k[labels of k], the
// equation parsed and bound to shapes by einsum_equation.h (numpy.einsum's semantics).
#include <climits>
#include <type_traits>

#include "ops/nn/attrs.h"
#include "ops/nn/einsum_equation.h"

namespace layerscope {
namespace {

constexpr std::initializer_list<DType> kEinsumTypes = {DType::F32, DType::F64, DType::I8,  DType::I16, DType::I32,
                                                       DType::I64, DType::U8,  DType::U16, DType::U32, DType::U64};

std::vector<Shape> input_shapes(std::span<const TensorInfo> in) {
  std::vector<Shape> r;
  for (const TensorInfo& t : in) r.push_back(t.shape);
  return r;
}

void einsum_infer(InferContext& ctx) {
  if (ctx.num_inputs() < 1) ctx.error("expected at least 1 input, got 0");
  for (int i = 0; i < ctx.num_inputs(); ++i) {
    if (!ctx.has_input(i)) ctx.error("input ", i, " is missing; every Einsum operand is required");
    const std::string name = "Inputs[" + std::to_string(i) + "]";
    nn::expect_types(ctx, i, name.c_str(), kEinsumTypes);
    if (i > 0) nn::expect_same_type(ctx, 0, "Inputs[0]", i, name.c_str());
  }
  const std::vector<Shape> shapes = input_shapes(ctx.inputs());
  const EinsumSpec s = einsum_spec(ctx.node(), shapes);
  ctx.set_output(0, ctx.dtype(0), s.output_shape());
}

// MACs: with n >= 2 operands, the definition multiplies the n operands at every point of the
// joint index space (the product of every distinct label's size) and adds the product into the
// output: n - 1 MACs per point, so a two-operand contraction counts batch * M * N * K as MatMul
// does. A chain of 3+ operands evaluated pairwise can cost less; this is the cost as defined,
// which is also what the reference kernel does. One operand (transpose, diagonal, sums over
// axes) does no multiplication: one add per point when a label is summed out, else nothing
// (pure data movement).
Cost einsum_cost(const CostContext& c) {
  Cost cost = bytes_only_cost(c);
  EinsumSpec s;
  try {
    s = einsum_spec(c.node, input_shapes(c.inputs));
  } catch (const Error&) {
    return cost;  // infer() has already reported it
  }
  const double points = s.index_space();
  if (s.num_operands() >= 2) cost.macs = (s.num_operands() - 1) * points;
  else if (!s.summed_labels().empty()) cost.other_ops = points;
  return cost;
}

// Straight from the definition: for each output element, walk the summed labels' index space
// with one offset per operand (label_strides: a repeated label's strides add up, which reads
// the diagonal; a broadcast axis has stride 0). Floats accumulate in double, integers in 64 bits.
template <typename T>
void einsum_reference_typed(const EinsumSpec& s, std::span<const Tensor* const> in, Tensor& out) {
  using Acc = std::conditional_t<std::is_floating_point_v<T>, double,
                                 std::conditional_t<std::is_signed_v<T>, int64_t, uint64_t>>;
  const int n = s.num_operands();
  const std::vector<int>& outl = s.output_labels;
  const std::vector<int> sum = s.summed_labels();
  std::vector<const T*> data(n);
  // Strides per (output axis, operand) and per (summed label, operand), flattened.
  std::vector<int64_t> out_st(outl.size() * n), sum_st(sum.size() * n);
  for (int k = 0; k < n; ++k) {
    data[k] = in[k]->data_as<T>();
    const std::vector<int64_t> st = s.label_strides(k);
    for (size_t a = 0; a < outl.size(); ++a) out_st[a * n + k] = st[outl[a]];
    for (size_t d = 0; d < sum.size(); ++d) sum_st[d * n + k] = st[sum[d]];
  }
  int64_t inner = 1;
  for (int l : sum) inner *= s.label_size[l];
  T* y = out.data_as<T>();
  const int64_t total = out.numel();
#pragma omp parallel
  {
    std::vector<int64_t> off(n), idx(sum.size());
#pragma omp for
    for (int64_t o = 0; o < total; ++o) {
      std::fill(off.begin(), off.end(), 0);
      int64_t rem = o;
      for (size_t a = outl.size(); a-- > 0;) {
        const int64_t size = s.label_size[outl[a]], c = rem % size;
        rem /= size;
        for (int k = 0; k < n; ++k) off[k] += c * out_st[a * n + k];
      }
      std::fill(idx.begin(), idx.end(), 0);
      Acc acc = 0;
      for (int64_t p = 0; p < inner; ++p) {
        Acc prod = static_cast<Acc>(data[0][off[0]]);
        for (int k = 1; k < n; ++k) prod *= static_cast<Acc>(data[k][off[k]]);
        acc += prod;
        for (size_t d = sum.size(); d-- > 0;) {  // odometer over the summed labels
          for (int k = 0; k < n; ++k) off[k] += sum_st[d * n + k];
          if (++idx[d] < s.label_size[sum[d]]) break;
          for (int k = 0; k < n; ++k) off[k] -= idx[d] * sum_st[d * n + k];
          idx[d] = 0;
        }
      }
      y[o] = static_cast<T>(acc);
    }
  }
}

void einsum_reference(const Node& node, std::span<const Tensor* const> in, std::span<Tensor* const> out) {
  std::vector<Shape> shapes;
  for (const Tensor* t : in) shapes.push_back(t->shape());
  const EinsumSpec s = einsum_spec(node, shapes);
  dispatch_numeric(in[0]->dtype(), [&](auto tag) { einsum_reference_typed<decltype(tag)>(s, in, *out[0]); });
}

}  // namespace

void register_nn_einsum_ops(OpRegistry& r) {
  OpDef d;
  d.op_type = "Einsum";
  d.since = 12;
  d.until = INT_MAX;
  d.attributes = {{"equation", AttrType::STRING}};
  d.infer = einsum_infer;
  d.cost = einsum_cost;
  d.reference = einsum_reference;
  r.add_op(std::move(d));
}

}  // namespace layerscope
