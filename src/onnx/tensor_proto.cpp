#include "onnx/tensor_proto.h"

#include <onnx/onnx_pb.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <vector>

#include "ir/error.h"
#include "ir/int4.h"
#include "ir/tensor_size.h"

namespace layerscope {
namespace fs = std::filesystem;

DType dtype_from_onnx(int t) {
  switch (t) {
    case onnx::TensorProto::FLOAT: return DType::F32;
    case onnx::TensorProto::UINT8: return DType::U8;
    case onnx::TensorProto::INT8: return DType::I8;
    case onnx::TensorProto::UINT16: return DType::U16;
    case onnx::TensorProto::INT16: return DType::I16;
    case onnx::TensorProto::INT32: return DType::I32;
    case onnx::TensorProto::INT64: return DType::I64;
    case onnx::TensorProto::BOOL: return DType::Bool;
    case onnx::TensorProto::FLOAT16: return DType::F16;
    case onnx::TensorProto::DOUBLE: return DType::F64;
    case onnx::TensorProto::UINT32: return DType::U32;
    case onnx::TensorProto::UINT64: return DType::U64;
    case onnx::TensorProto::BFLOAT16: return DType::BF16;
    // Debian's onnx.proto (1.12) predates these codes (IR 9 and 10): the numbers themselves.
    case 17: return DType::F8E4M3FN;
    case 18: return DType::F8E4M3FNUZ;
    case 19: return DType::F8E5M2;
    case 20: return DType::F8E5M2FNUZ;
    case 21: return DType::U4;
    case 22: return DType::I4;
    default: return DType::Undefined;
  }
}

namespace {

// Resolves an external-data location relative to the model folder, refusing anything that
// could read outside it (absolute paths, "..", symlinks pointing elsewhere).
fs::path resolve_external(const std::string& location, const std::string& model_dir, const std::string& context) {
  LS_CHECK(!location.empty(), context, ": external data has no 'location'");
  fs::path loc(location);
  LS_CHECK(!loc.is_absolute() && !loc.has_root_name() && !loc.has_root_directory(), context,
           ": external data location '", location, "' is absolute; it must be relative to the model's folder");
  for (const auto& part : loc.lexically_normal())
    LS_CHECK(part != "..", context, ": external data location '", location, "' escapes the model's folder");
  fs::path base = fs::weakly_canonical(fs::path(model_dir.empty() ? "." : model_dir));
  fs::path full = fs::weakly_canonical(base / loc);
  auto rel = full.lexically_relative(base);
  LS_CHECK(!rel.empty() && *rel.begin() != "..", context, ": external data location '", location,
           "' resolves outside the model's folder (", full.string(), ")");
  return full;
}

// Where an external tensor's bytes are: checked against the file before anything is allocated.
struct ExternalSpan {
  fs::path file;
  int64_t offset = 0;
};

// A non-negative decimal integer from external_data (offset, length); anything else is an error.
int64_t external_number(const std::string& key, const std::string& text, const std::string& context) {
  int64_t v = 0;
  bool ok = !text.empty() && text.size() <= 18;
  for (char c : text) ok = ok && c >= '0' && c <= '9';
  LS_CHECK(ok, context, ": external data '", key, "' is '", text, "'; expected a non-negative decimal integer");
  for (char c : text) v = v * 10 + (c - '0');
  return v;
}

ExternalSpan locate_external(const onnx::TensorProto& p, const std::string& model_dir, const std::string& context,
                             int64_t nbytes) {
  std::string location;
  int64_t offset = 0, length = -1;
  for (const auto& kv : p.external_data()) {
    if (kv.key() == "location") location = kv.value();
    else if (kv.key() == "offset") offset = external_number("offset", kv.value(), context);
    else if (kv.key() == "length") length = external_number("length", kv.value(), context);
  }
  ExternalSpan span{resolve_external(location, model_dir, context), offset};
  std::error_code ec;
  LS_CHECK(fs::is_regular_file(span.file, ec), context, ": external data file '", span.file.string(),
           "' does not exist");
  const auto size = static_cast<int64_t>(fs::file_size(span.file, ec));
  LS_CHECK(!ec, context, ": cannot read the size of external data file '", span.file.string(), "'");
  if (length >= 0)
    LS_CHECK(length == nbytes, context, ": external data length ", length, " does not match the tensor's ", nbytes,
             " bytes");
  // offset <= size first, so offset + nbytes cannot overflow (both are below 2^63 / 2).
  LS_CHECK(offset <= size && nbytes <= size - offset, context, ": external data file '", span.file.string(), "' has ",
           size, " bytes; need ", nbytes, " at offset ", offset);
  return span;
}

void read_external(const ExternalSpan& span, const std::string& context, void* dst, size_t nbytes) {
  std::ifstream in(span.file, std::ios::binary);
  in.seekg(span.offset);
  in.read(static_cast<char*>(dst), static_cast<std::streamsize>(nbytes));
  LS_CHECK(in.good() || nbytes == 0, context, ": could not read external data from '", span.file.string(), "'");
}

// The number of values a typed field (float_data, int32_data, ...) holds for `dt`.
// (INT4/UINT4: one int32_data value per packed byte, two elements each.)
int64_t typed_field_size(const onnx::TensorProto& p, DType dt) {
  switch (dt) {
    case DType::F32: return p.float_data_size();
    case DType::F64: return p.double_data_size();
    case DType::I64: return p.int64_data_size();
    case DType::U32:
    case DType::U64: return p.uint64_data_size();
    default: return p.int32_data_size();
  }
}

template <typename Src, typename Dst>
void copy_field(const google::protobuf::RepeatedField<Src>& field, Tensor& t, const std::string& context) {
  LS_CHECK(field.size() == t.numel(), context, ": has ", field.size(), " values for shape ",
           shape_to_string(t.shape()));
  Dst* d = t.data_as<Dst>();
  for (int i = 0; i < field.size(); ++i) d[i] = static_cast<Dst>(field.Get(i));
}

// The bytes a tensor of `dt` and `shape` takes in a file (raw_data, external data): its size in
// memory, except INT4/UINT4, packed two elements to a byte. nullopt when the count overflows.
std::optional<int64_t> stored_nbytes(DType dt, const Shape& shape) {
  if (!is_int4(dt)) return checked_nbytes(dt, shape);
  const std::optional<int64_t> n = checked_numel(shape);
  return n ? std::optional<int64_t>(packed_int4_bytes(*n)) : std::nullopt;
}

// A tensor of `dt` and `shape` from the `nbytes` bytes a file stores for it (stored_nbytes),
// which `read` writes into the buffer it is given: copied as they are, or unpacked for INT4/UINT4.
template <typename Read>
Tensor tensor_from_stored(DType dt, const Shape& shape, int64_t nbytes, Read&& read) {
  Tensor t(dt, shape);
  if (!is_int4(dt)) {
    read(t.data());
    return t;
  }
  std::vector<uint8_t> packed(static_cast<size_t>(nbytes));
  read(packed.data());
  unpack_int4(packed.data(), t.numel(), dt, t.data_as<uint8_t>());
  return t;
}

// INT4/UINT4 from int32_data: each value holds one packed byte (two elements) in its low 8 bits.
void copy_packed_int4_field(const google::protobuf::RepeatedField<int32_t>& field, Tensor& t,
                            const std::string& context) {
  LS_CHECK(field.size() == packed_int4_bytes(t.numel()), context, ": has ", field.size(),
           " int32_data values for shape ", shape_to_string(t.shape()), " of ", dtype_name(t.dtype()), "; expected ",
           packed_int4_bytes(t.numel()), " (two 4-bit elements per value)");
  std::vector<uint8_t> packed(static_cast<size_t>(field.size()));
  for (int i = 0; i < field.size(); ++i) packed[i] = static_cast<uint8_t>(field.Get(i));
  unpack_int4(packed.data(), t.numel(), t.dtype(), t.data_as<uint8_t>());
}

}  // namespace

onnx::TensorProto tensor_to_proto(const std::string& name, const Tensor& t) {
  onnx::TensorProto p;
  p.set_name(name);
  p.set_data_type(static_cast<int>(t.dtype()));
  for (int64_t d : t.shape()) p.add_dims(d);
  if (is_int4(t.dtype())) {
    std::string packed(static_cast<size_t>(packed_int4_bytes(t.numel())), '\0');
    pack_int4(t.data_as<uint8_t>(), t.numel(), reinterpret_cast<uint8_t*>(packed.data()));
    p.set_raw_data(std::move(packed));
    return p;
  }
  p.set_raw_data(std::string(static_cast<const char*>(t.data()), t.nbytes()));
  return p;
}

Tensor tensor_from_proto(const onnx::TensorProto& p, const std::string& model_dir, const std::string& context) {
  DType dt = dtype_from_onnx(p.data_type());
  if (dt == DType::Undefined)
    fail_with(StatusCode::kUnsupported, context, ": tensor element type ", p.data_type(),
              " (TensorProto.DataType) is not supported");
  Shape shape(p.dims().begin(), p.dims().end());
  for (int64_t d : shape) LS_CHECK(d >= 0, context, ": negative dimension in shape ", shape_to_string(shape));
  // The size the shape claims is checked against the bytes the file really holds before the
  // tensor is allocated: a hostile header cannot make us allocate more than the model's size.
  // (A file packs INT4/UINT4 two to a byte: checked_nbytes(dt, shape) bytes in memory, half in the file.)
  const std::optional<int64_t> claimed = stored_nbytes(dt, shape);
  LS_CHECK(claimed && checked_nbytes(dt, shape), context, ": shape ", shape_to_string(shape), " of ", dtype_name(dt),
           " has more elements than a 64-bit size can count");
  const int64_t nbytes = *claimed;
  if (p.data_location() == onnx::TensorProto::EXTERNAL) {
    ExternalSpan span = locate_external(p, model_dir, context, nbytes);
    return tensor_from_stored(dt, shape, nbytes,
                              [&](void* dst) { read_external(span, context, dst, static_cast<size_t>(nbytes)); });
  }
  if (p.has_raw_data()) {
    LS_CHECK(static_cast<int64_t>(p.raw_data().size()) == nbytes, context, ": raw_data has ", p.raw_data().size(),
             " bytes; shape ", shape_to_string(shape), " of ", dtype_name(dt), " needs ", nbytes);
    return tensor_from_stored(dt, shape, nbytes, [&](void* dst) {
      if (nbytes) std::memcpy(dst, p.raw_data().data(), static_cast<size_t>(nbytes));
    });
  }
  if (is_int4(dt)) {
    Tensor t(dt, shape);
    copy_packed_int4_field(p.int32_data(), t, context);
    return t;
  }
  LS_CHECK(typed_field_size(p, dt) == shape_numel(shape), context, ": has ", typed_field_size(p, dt),
           " values for shape ", shape_to_string(shape));
  Tensor t(dt, shape);
  switch (dt) {
    case DType::F32: copy_field<float, float>(p.float_data(), t, context); break;
    case DType::F64: copy_field<double, double>(p.double_data(), t, context); break;
    case DType::I64: copy_field<int64_t, int64_t>(p.int64_data(), t, context); break;
    case DType::I32: copy_field<int32_t, int32_t>(p.int32_data(), t, context); break;
    case DType::I16: copy_field<int32_t, int16_t>(p.int32_data(), t, context); break;
    case DType::I8: copy_field<int32_t, int8_t>(p.int32_data(), t, context); break;
    case DType::U16: copy_field<int32_t, uint16_t>(p.int32_data(), t, context); break;
    case DType::F16: copy_field<int32_t, uint16_t>(p.int32_data(), t, context); break;
    case DType::BF16: copy_field<int32_t, uint16_t>(p.int32_data(), t, context); break;
    // float8: one int32_data value per element, its bit pattern in the low 8 bits.
    case DType::F8E4M3FN:
    case DType::F8E4M3FNUZ:
    case DType::F8E5M2:
    case DType::F8E5M2FNUZ: copy_field<int32_t, uint8_t>(p.int32_data(), t, context); break;
    case DType::U8: copy_field<int32_t, uint8_t>(p.int32_data(), t, context); break;
    case DType::Bool: copy_field<int32_t, uint8_t>(p.int32_data(), t, context); break;
    case DType::U32: copy_field<uint64_t, uint32_t>(p.uint64_data(), t, context); break;
    case DType::U64: copy_field<uint64_t, uint64_t>(p.uint64_data(), t, context); break;
    default: fail(context, ": cannot decode element type ", dtype_name(dt));
  }
  return t;
}

Tensor load_tensor_pb(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  LS_CHECK(in.good(), "cannot open tensor file '", path, "'");
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  onnx::TensorProto p;
  LS_CHECK(p.ParseFromString(bytes), "'", path, "' is not a valid ONNX TensorProto");
  return tensor_from_proto(p, fs::path(path).parent_path().string(), "tensor file '" + path + "'");
}

}  // namespace layerscope
