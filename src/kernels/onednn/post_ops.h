// The activations of ops/post_op.h as oneDNN post-ops. One table maps each of our Eltwise
// algorithms (every forward eltwise algorithm of oneDNN 2.6) to its dnnl::algorithm, so a new
// activation with the activation trait needs no edit here.
#pragma once
#include <oneapi/dnnl/dnnl.hpp>

#include "ops/post_op.h"

namespace layerscope::onednn {

dnnl::algorithm to_dnnl(Eltwise e);

// Appends `steps` to `po` as eltwise post-ops, in order. A Relu without slope (alpha 0) becomes
// clip_v2 to [0, +inf) instead of eltwise_relu, which computes x > 0 ? x : alpha x and on some
// of oneDNN's code paths gives 0 * -inf = NaN where ONNX's Relu gives 0 (a NaN comes out as 0
// either way). `relu_as_eltwise` keeps eltwise_relu: Winograd convolutions accept no other
// eltwise post-op, and their transforms already turn an infinite input into NaN across the tile.
void append_post_ops(dnnl::post_ops& po, const PostOps& steps, bool relu_as_eltwise = false);

}  // namespace layerscope::onednn
