// NumPy <-> Tensor without copies: inputs are views of the caller's arrays (the executor reads
// graph inputs in place and never writes them); outputs hand the Tensor's shared storage to
// NumPy through a capsule that owns a Tensor copy (copies share storage, tensor.h).
#include <cstring>

#include "common.h"

namespace layerscope::python {

namespace {

namespace dl = nb::dlpack;

struct DTypeMapping {
  DType dtype;
  dl::dtype_code code;
  uint8_t bits;
  const char* numpy_name;  // nullptr: NumPy has no such type
};

constexpr DTypeMapping kDTypes[] = {
    {DType::F32, dl::dtype_code::Float, 32, "float32"}, {DType::F64, dl::dtype_code::Float, 64, "float64"},
    {DType::F16, dl::dtype_code::Float, 16, "float16"}, {DType::BF16, dl::dtype_code::Bfloat, 16, nullptr},
    {DType::I8, dl::dtype_code::Int, 8, "int8"},        {DType::I16, dl::dtype_code::Int, 16, "int16"},
    {DType::I32, dl::dtype_code::Int, 32, "int32"},     {DType::I64, dl::dtype_code::Int, 64, "int64"},
    {DType::U8, dl::dtype_code::UInt, 8, "uint8"},      {DType::U16, dl::dtype_code::UInt, 16, "uint16"},
    {DType::U32, dl::dtype_code::UInt, 32, "uint32"},   {DType::U64, dl::dtype_code::UInt, 64, "uint64"},
    {DType::Bool, dl::dtype_code::Bool, 8, "bool"},
};

const DTypeMapping* by_dtype(DType t) {
  for (const DTypeMapping& m : kDTypes)
    if (m.dtype == t) return &m;
  return nullptr;
}

}  // namespace

Tensor tensor_view(const InputArray& array, const std::string& what) {
  const dl::dtype dt = array.dtype();
  DType dtype = DType::Undefined;
  for (const DTypeMapping& m : kDTypes)
    if (static_cast<uint8_t>(m.code) == dt.code && m.bits == dt.bits && dt.lanes == 1) dtype = m.dtype;
  if (dtype == DType::Undefined)
    throw StatusError(what + ": arrays of this element type (DLPack code " + std::to_string(dt.code) + ", " +
                      std::to_string(dt.bits) + " bits) have no ONNX counterpart layerscope runs");
  Shape shape(array.ndim());
  for (size_t i = 0; i < array.ndim(); ++i) shape[i] = static_cast<int64_t>(array.shape(i));
  // The executor only reads graph inputs (docs/ARCHITECTURE.md, memory sharing): the const_cast
  // never leads to a write into the caller's array.
  return Tensor::view(dtype, std::move(shape), const_cast<void*>(array.data()));
}

nb::object numpy_dtype(DType dtype) {
  const DTypeMapping* m = by_dtype(dtype);
  if (!m || !m->numpy_name)
    throw StatusError(std::string("element type ") + dtype_name(dtype) + " has no NumPy counterpart");
  return nb::module_::import_("numpy").attr("dtype")(m->numpy_name);
}

nb::object to_numpy(const Tensor& tensor) {
  const DTypeMapping* m = by_dtype(tensor.dtype());
  if (!m || !m->numpy_name)
    throw StatusError(std::string("a ") + dtype_name(tensor.dtype()) + " " + shape_to_string(tensor.shape()) +
                      " tensor cannot become a NumPy array: NumPy has no such element type");
  std::vector<size_t> shape(tensor.shape().begin(), tensor.shape().end());
  if (tensor.numel() == 0)  // no storage to share
    return nb::module_::import_("numpy").attr("empty")(nb::tuple(nb::cast(shape)), m->numpy_name);
  auto* owner = new Tensor(tensor);
  nb::capsule keep_alive(owner, [](void* p) noexcept { delete static_cast<Tensor*>(p); });
  dl::dtype dt{static_cast<uint8_t>(m->code), m->bits, 1};
  nb::ndarray<nb::numpy> array(owner->data(), shape.size(), shape.data(), keep_alive, nullptr, dt);
  return array.cast();
}

std::string html_escape(const std::string& text) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string notebook_iframe(const std::string& html, int height_px) {
  return "<iframe sandbox=\"allow-scripts\" style=\"width:100%;height:" + std::to_string(height_px) +
         "px;border:1px solid #ddd\" srcdoc=\"" + html_escape(html) + "\"></iframe>";
}

nb::module_ import_pandas(const char* caller) {
  try {
    return nb::module_::import_("pandas");
  } catch (nb::python_error& e) {
    if (!e.matches(PyExc_ImportError)) throw;
    throw nb::import_error((std::string(caller) + " needs pandas, which is not installed: pip install pandas").c_str());
  }
}

}  // namespace layerscope::python
