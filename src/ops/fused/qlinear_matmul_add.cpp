// QLinearMatMulAdd (fused domain): an int8 matmul whose output goes straight into an int8 add
// (com.microsoft QLinearAdd), as passes/fuse_qdq.cpp finds it in quantized transformers: the
// linear layer's quantized bias (a constant row along the last axis) or the residual (a tensor
// of the output's shape), in one pass over memory.
//   inputs:  0-7 QLinearMatMul's (a, a_scale, a_zero_point, b, b_scale, b_zero_point,
//            m_scale, m_zero_point: the matmul's own, intermediate, output),
//            8 r, 9 r_scale, 10 r_zero_point, 11 y_scale, 12 y_zero_point (the add's)
//   m = QLinearMatMul(a, b) (rounded and saturated to its own scale, as unfused)
//   y = QLinearAdd(m, r)
// The reference is exactly that: the two ops' references in a row. The kernel
// (kernels/onednn/qlinear_matmul.cpp) reproduces m's rounding and saturation with post-ops.
#include "ops/fused/reference.h"

namespace layerscope {

namespace {

constexpr int kAddend = 8;

}  // namespace

void register_fused_qlinear_matmul_add_op(OpRegistry& r) {
  const OpDef& qmatmul = fused_ref::onnx_op(r, "QLinearMatMul", 10);
  const OpDef* qadd = r.find_op("com.microsoft", "QLinearAdd", 1);
  LS_CHECK(qadd != nullptr, "QLinearMatMulAdd needs com.microsoft QLinearAdd registered first");
  OpDef d;
  d.domain = kFusedDomain;
  d.op_type = "QLinearMatMulAdd";
  d.since = 1;
  d.infer = [mm_infer = qmatmul.infer, add_infer = qadd->infer](InferContext& c) {
    if (c.num_inputs() != 13)
      c.error("expected 13 inputs (QLinearMatMul's 8, the addend's 3, the output's 2), got ", c.num_inputs());
    std::vector<TensorInfo> in(c.inputs().begin(), c.inputs().begin() + 8);
    InferContext mm(c.node(), std::move(in), std::vector<const Tensor*>(8, nullptr));
    mm_infer(mm);
    std::vector<TensorInfo> add_in = {mm.outputs()[0], c.input(6), c.input(7)};
    for (int k = kAddend; k < 13; ++k) add_in.push_back(c.input(k));
    InferContext add(c.node(), std::move(add_in), std::vector<const Tensor*>(8, nullptr));
    add_infer(add);
    if (add.outputs()[0].shape != mm.outputs()[0].shape)
      c.error("the addend ", shape_to_string(c.shape(kAddend)), " would broadcast the matmul's output ",
              shape_to_string(mm.outputs()[0].shape));
    c.set_output(0, add.outputs()[0].dtype, add.outputs()[0].shape);
  };
  d.cost = [mm_cost = qmatmul.cost](const CostContext& c) {
    Cost cost = mm_cost(c);
    cost.other_ops += static_cast<double>(shape_numel(c.outputs[0].shape));  // the add
    return cost;
  };
  d.reference = [mm_ref = qmatmul.reference, add_ref = qadd->reference](
                    const Node& n, std::span<const Tensor* const> in, std::span<Tensor* const> out) {
    Tensor m =
        fused_ref::run(mm_ref, fused_ref::as_onnx(n, "QLinearMatMul", 10, {}),
                       {in[0], in[1], in[2], in[3], in[4], in[5], in[6], in[7]}, in[7]->dtype(), out[0]->shape());
    const Tensor* args[] = {&m, in[6], in[7], in[8], in[9], in[10], in[11], in[12]};
    Node add = fused_ref::as_onnx(n, "QLinearAdd", 1, {});
    add.domain = "com.microsoft";
    add_ref(add, args, out);
  };
  r.add_op(std::move(d));
}

}  // namespace layerscope
