// Tensor: a typed, shaped, dense row-major buffer. Copies share storage (like shared_ptr);
// use clone() for a deep copy.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace layerscope {

// Element types. The numeric values are ONNX's TensorProto.DataType codes.
// The float8 types (F8*, opset 19) and the 4-bit integers (U4, I4, opset 21) are held one byte per
// element: a float8 value as its bit pattern, a 4-bit integer as its value (I4 sign-extended to an
// int8_t in [-8, 7], U4 a uint8_t in [0, 15]); files pack 4-bit integers two to a byte, and only
// loading and saving (un)pack them. Only conversions run them: Cast, CastLike, QuantizeLinear,
// DequantizeLinear (docs/ops.md, "float8 and 4-bit integers").
enum class DType : int32_t {
  Undefined = 0,
  F32 = 1,
  U8 = 2,
  I8 = 3,
  U16 = 4,
  I16 = 5,
  I32 = 6,
  I64 = 7,
  String = 8,
  Bool = 9,
  F16 = 10,
  F64 = 11,
  U32 = 12,
  U64 = 13,
  BF16 = 16,
  F8E4M3FN = 17,
  F8E4M3FNUZ = 18,
  F8E5M2 = 19,
  F8E5M2FNUZ = 20,
  U4 = 21,
  I4 = 22,
};

// Bytes per element in memory (0 for Undefined and String; 1 for the float8 and 4-bit types, which
// a file stores in half a byte for INT4/UINT4).
size_t dtype_size(DType t);
// Name in the reference tool's vocabulary: FLOAT, FLOAT16, INT8, INT64, BOOL, ... and ONNX's for
// the types it lacks: FLOAT8E4M3FN, FLOAT8E4M3FNUZ, FLOAT8E5M2, FLOAT8E5M2FNUZ, UINT4, INT4.
const char* dtype_name(DType t);

using Shape = std::vector<int64_t>;

// Product of dims (1 for a scalar shape {}).
int64_t shape_numel(const Shape& s);
// "(1,3,224,224)"; a scalar prints as "()".
std::string shape_to_string(const Shape& s);

class Tensor {
 public:
  Tensor() = default;
  // Owning tensor, zero-filled, 64-byte aligned.
  Tensor(DType dtype, Shape shape);
  // Non-owning view of caller memory; the caller keeps `data` alive.
  static Tensor view(DType dtype, Shape shape, void* data);

  DType dtype() const { return dtype_; }
  const Shape& shape() const { return shape_; }
  int rank() const { return static_cast<int>(shape_.size()); }
  int64_t dim(int i) const { return shape_[i < 0 ? i + rank() : i]; }
  int64_t numel() const { return shape_numel(shape_); }
  size_t nbytes() const { return static_cast<size_t>(numel()) * dtype_size(dtype_); }
  bool empty() const { return dtype_ == DType::Undefined; }

  void* data() { return data_; }
  const void* data() const { return data_; }
  template <typename T>
  T* data_as() {
    return static_cast<T*>(data_);
  }
  template <typename T>
  const T* data_as() const {
    return static_cast<const T*>(data_);
  }

  Tensor clone() const;
  // Same storage, new shape with the same element count.
  Tensor reshaped(Shape shape) const;
  // True when this is an owning tensor and no other Tensor shares its storage (false for views).
  bool sole_owner() const { return storage_ && storage_.use_count() == 1; }

 private:
  DType dtype_ = DType::Undefined;
  Shape shape_;
  std::shared_ptr<void> storage_;
  void* data_ = nullptr;
};

}  // namespace layerscope
