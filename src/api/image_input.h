// Runtime::inference's preprocessing of image inputs: layout transpose (NCHW <-> NHWC),
// RGB -> BGR and (pixel - mean) / std, as set with RuntimeConfig (include/layerscope/runtime.h).
#pragma once
#include "layerscope/runtime.h"

namespace layerscope {

// Where a model input keeps its 3 channels: dim 1 (NCHW), else dim 3 (NHWC); None = not an
// image input (not 4-D, not FLOAT/UINT8, or no 3-channel dim).
enum class ImageLayout { None, NCHW, NHWC };
ImageLayout image_layout(const ValueDesc& input);

// Throws Error when mean/std do not have 0 or 3 values, a std value is zero or not finite,
// or input_format is not NCHW/NHWC.
void check_runtime_config(const RuntimeConfig& config);

// The tensor the model receives for `given` at input `index` (declared as `input`): image
// inputs are converted from `format` (NCHW or NHWC, not AsConfigured) as configured, into a
// new tensor; other inputs come back as a deep copy (the caller may free its buffer).
// Throws Error naming the input, the layout expected and the tensor received.
Tensor to_model_input(const Tensor& given, const ValueDesc& input, int index, const RuntimeConfig& config,
                      DataFormat format);

}  // namespace layerscope
