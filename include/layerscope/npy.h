// NumPy .npy files (format versions 1.0-3.0, little-endian, C order): the exchange format of
// the CLI and the examples.
#pragma once
#include <string>
#include <vector>

#include "layerscope/session.h"
#include "layerscope/status.h"
#include "layerscope/tensor.h"

namespace layerscope {

// Reads a .npy file. The header is checked completely before any data is read: the keys
// descr, fortran_order and shape (and no others), a supported dtype (bool, (u)int8-64,
// float16/32/64; little-endian), C order, non-negative dims whose byte size does not overflow
// and matches the bytes the file holds. Any mismatch is an error naming the file.
// NumPy has no float8 or 4-bit types: their tensors are read and written with the descr of the
// onnx Python package's element types, a one-field structured byte such as [('e4m3fn', '|u1')]
// (float8 bit patterns) or [('int4', '|i1')] (one value per byte, checked to be in range);
// docs/ops.md, "float8 and 4-bit integers".
Status load_npy(const std::string& path, Tensor* out);

// Writes atomically: a temporary file in the same folder, fsynced and renamed over `path` when
// complete, so a failure (full disk, unwritable folder) never leaves a half-written file.
Status save_npy(const std::string& path, const Tensor& tensor);

// Writes each tensor as the file DIR/<name> (`name` is a plain file name such as "logits.npy";
// names must be distinct), all or nothing: when any file cannot be written, none of them is
// created or replaced and no temporary is left. DIR must exist.
Status save_npy_files(const std::string& dir, const std::vector<NamedTensor>& files);

}  // namespace layerscope
