// What the Conv and ConvTranspose kernels share: activation descriptors for every buffer layout
// (ir/layout.h), the descriptors and oneDNN parameters derived from a ConvGeometry, the checks
// of supports(), and the kernel that binds the primitive (constant weights packed once into the
// implementation's preferred layout), optionally with a residual binary post-op, and runs it.
#pragma once
#include <optional>

#include "kernels/onednn/onednn_common.h"
#include "ops/nn/conv_geometry.h"

namespace layerscope::onednn {

// Descriptor of an activation of dims `d` (rank 3-5: N, C, spatial) in layout `l`, of type
// `t` (f32, or s8/u8 for the int8 layers).
dnnl::memory::desc activation_md(const dims& d, Layout l, dnnl::memory::data_type t = dnnl::memory::data_type::f32);
// oneDNN's type for ours: f32, s8, u8, s32; nullopt for any other.
std::optional<dnnl::memory::data_type> onednn_type(DType t);
// The Layout `md` describes for dims `d`, or nullopt when it is none of ours.
std::optional<Layout> layout_of(const dnnl::memory::desc& md, const dims& d);

// oneDNN's weight dims {[G,] OC/G, IC/G, k...}: ONNX's [OC, IC/G, k...] is that, row-major.
inline dims conv_weight_dims(const ConvGeometry& g) {
  dims w{g.C_out, g.C_in / g.group};
  if (g.group > 1) w = {g.group, g.C_out / g.group, g.C_in / g.group};
  for (int64_t k : g.kernel) w.push_back(k);
  return w;
}

struct ConvDescs {
  dnnl::memory::desc src, w, bias, dst;  // w: W in its ONNX layout; bias empty when absent
  dims w_dims;                           // oneDNN's {[G,] OC/G, IC/G, k...}
  dims strides, dilations, pads_begin, pads_end;
  bool w_const = false, has_bias = false;
  // W as the primitive should be asked for: any layout when constant (packed at prepare).
  dnnl::memory::desc weights_request() const;
};

// src/dst in the given layouts (nullopt: "any", to ask oneDNN what it prefers), W described
// with `w_strides` (empty: row-major), and the geometry's strides, dilations and pads.
ConvDescs conv_descs(const KernelSetup& s, const ConvGeometry& g, const dims& w_dims, const dims& w_strides,
                     std::optional<Layout> src, std::optional<Layout> dst);

// The checks common to both ops (f32, rank 3-5, nothing empty), then `build` must succeed.
template <typename Build>
bool conv_like_supported(const KernelSetup& s, Build&& build) {
  if (s.inputs.size() < 2 || !inputs_f32(s, {0, 1, 2, 3}) || !outputs_f32(s) || any_empty(s)) return false;
  const size_t rank = s.inputs[0].shape.size();
  if (rank < 3 || rank > 5) return false;
  return succeeds(build);
}

// How a fused residual reaches the primitive: as the source of a binary-add post-op (read in
// place), or as a sum post-op, which adds what dst holds when the primitive runs: execute()
// first copies the residual into dst.
enum class ResidualMode { Binary, Sum };

// A convolution-like primitive with src, weights, [bias], dst and an optional residual at
// post-op index 0.
class ConvLikeKernel : public OnednnKernel {
 public:
  void execute(std::span<const Tensor* const> in, std::span<Tensor* const> out, void* scratch) override;
  // A sum-mode residual may be dst itself (in place, when the residual dies here): the copy
  // execute() makes first is then skipped.
  OutputSharing output_sharing() const override {
    if (residual_ < 0 || residual_mode_ != ResidualMode::Sum) return {};
    return {OutputSharing::Mode::InPlace, {residual_}, false};
  }

 protected:
  // `residual`: the input index of the residual, or -1; `residual_md` its descriptor.
  void bind(dnnl::primitive prim, const dnnl::primitive_desc_base& pd, const ConvDescs& d, const KernelSetup& s,
            int residual = -1, const dnnl::memory::desc& residual_md = {},
            ResidualMode residual_mode = ResidualMode::Binary);

 private:
  bool w_const_ = false, has_bias_ = false;
  int residual_ = -1;
  ResidualMode residual_mode_ = ResidualMode::Binary;
  size_t residual_bytes_ = 0;  // the residual's buffer, channel padding included
  int threads_ = 1;
};

}  // namespace layerscope::onednn
