#include "layerscope/tensor.h"

#include <sys/mman.h>

#include <cstdlib>
#include <cstring>

#include "ir/error.h"
#include "ir/tensor_size.h"
#include "util/text.h"

namespace layerscope {

namespace {
constexpr size_t kMappedTensorBytes = size_t{1} << 20;
}  // namespace

size_t dtype_size(DType t) {
  switch (t) {
    case DType::F32:
    case DType::I32:
    case DType::U32: return 4;
    case DType::U8:
    case DType::I8:
    case DType::Bool:
    case DType::F8E4M3FN:
    case DType::F8E4M3FNUZ:
    case DType::F8E5M2:
    case DType::F8E5M2FNUZ:
    case DType::U4:
    case DType::I4: return 1;
    case DType::U16:
    case DType::I16:
    case DType::F16:
    case DType::BF16: return 2;
    case DType::I64:
    case DType::U64:
    case DType::F64: return 8;
    default: return 0;
  }
}

const char* dtype_name(DType t) {
  switch (t) {
    case DType::F32: return "FLOAT";
    case DType::U8: return "UINT8";
    case DType::I8: return "INT8";
    case DType::U16: return "UINT16";
    case DType::I16: return "INT16";
    case DType::I32: return "INT32";
    case DType::I64: return "INT64";
    case DType::String: return "STRING";
    case DType::Bool: return "BOOL";
    case DType::F16: return "FLOAT16";
    case DType::F64: return "DOUBLE";
    case DType::U32: return "UINT32";
    case DType::U64: return "UINT64";
    case DType::BF16: return "BFLOAT16";
    case DType::F8E4M3FN: return "FLOAT8E4M3FN";
    case DType::F8E4M3FNUZ: return "FLOAT8E4M3FNUZ";
    case DType::F8E5M2: return "FLOAT8E5M2";
    case DType::F8E5M2FNUZ: return "FLOAT8E5M2FNUZ";
    case DType::U4: return "UINT4";
    case DType::I4: return "INT4";
    default: return "UNDEFINED";
  }
}

int64_t shape_numel(const Shape& s) {
  // A zero dim makes the product 0 whatever the others are (they may be huge: (2^40,2^40,0)
  // is a valid empty shape); otherwise every step is overflow-checked, since shapes come from
  // files and inferred shapes multiply them.
  for (int64_t d : s)
    if (d == 0) return 0;
  int64_t n = 1;
  for (int64_t d : s)
    LS_CHECK(!__builtin_mul_overflow(n, d, &n), "shape ", shape_to_string(s), " has more elements than fit in 64 bits");
  return n;
}

std::string shape_to_string(const Shape& s) { return shape_text(s); }  // util/text.h spells shapes

Tensor::Tensor(DType dtype, Shape shape) : dtype_(dtype), shape_(std::move(shape)) {
  for (int64_t d : shape_) LS_CHECK(d >= 0, "tensor dimension ", d, " is negative in shape ", shape_to_string(shape_));
  LS_CHECK(dtype_size(dtype) > 0, "tensors of type ", dtype_name(dtype), " are not supported");
  LS_CHECK(checked_nbytes(dtype, shape_), "tensor shape ", shape_to_string(shape_), " of ", dtype_name(dtype),
           " has more elements than a 64-bit size can count");
  // Round up so that an empty tensor still has a valid pointer and vector loads may overrun
  // the tail by up to 64 bytes without faulting.
  size_t bytes = (nbytes() + 64 + 63) / 64 * 64;
  if (bytes >= kMappedTensorBytes) {
    // Large buffers (weights, big activations) get their own zero-filled pages, returned to the
    // system the moment the last copy goes: glibc would otherwise keep freed weights in its
    // heap (its mmap threshold grows as large blocks are freed), inflating resident memory
    // after the kernels have packed them.
    void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) fail_with(StatusCode::kResourceExhausted, "out of memory allocating ", bytes, " bytes");
    storage_ = std::shared_ptr<void>(p, [bytes](void* q) { ::munmap(q, bytes); });
    data_ = p;
    return;
  }
  void* p = std::aligned_alloc(64, bytes);
  if (p == nullptr) fail_with(StatusCode::kResourceExhausted, "out of memory allocating ", bytes, " bytes");
  std::memset(p, 0, bytes);
  storage_ = std::shared_ptr<void>(p, std::free);
  data_ = p;
}

Tensor Tensor::view(DType dtype, Shape shape, void* data) {
  Tensor t;
  t.dtype_ = dtype;
  t.shape_ = std::move(shape);
  t.data_ = data;
  return t;
}

Tensor Tensor::clone() const {
  if (empty()) return Tensor();
  Tensor t(dtype_, shape_);
  if (nbytes()) std::memcpy(t.data_, data_, nbytes());
  return t;
}

Tensor Tensor::reshaped(Shape shape) const {
  LS_CHECK(shape_numel(shape) == numel(), "cannot reshape ", shape_to_string(shape_), " to ", shape_to_string(shape));
  Tensor t = *this;
  t.shape_ = std::move(shape);
  return t;
}

}  // namespace layerscope
