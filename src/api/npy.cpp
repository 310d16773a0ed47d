// NumPy .npy reading and writing. The header is a Python dict literal,
//   {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
// padded with spaces to a multiple of 64 bytes and ended by '\n'. It is validated completely
// before any data is read or allocated: exactly these three keys, a supported little-endian
// dtype, C order, a shape of non-negative integers whose byte size does not overflow and equals
// what the file holds after the header.
// NumPy has no float8 or 4-bit types. Their tensors are written, and read, with the descr of the
// onnx package's own element types (onnx._custom_element_types, what onnx.numpy_helper.to_array
// returns for them): a one-field structured byte, [('e4m3fn', '|u1')], [('e4m3fnuz', '|u1')],
// [('e5m2', '|u1')], [('e5m2fnuz', '|u1')] holding float8 bit patterns, [('int4', '|i1')] and
// [('uint4', '|u1')] holding one 4-bit value per byte (checked to be in range), so np.save of
// such an array gives a file we read and np.load of ours gives that array (plain numpy reads the
// bytes as arr['e4m3fn']).
#include "layerscope/npy.h"

#include <charconv>
#include <cstring>
#include <fstream>
#include <limits>
#include <set>

#include "api/guarded.h"
#include "ir/error.h"
#include "ir/int4.h"
#include "layerscope/printable.h"
#include "util/atomic_write.h"

namespace layerscope {

namespace {

// The descr of the float8 and 4-bit types: the onnx package's field name and byte type.
struct NarrowDescr {
  DType dtype;
  const char* field;
  const char* byte;
};
constexpr NarrowDescr kNarrowDescrs[] = {
    {DType::F8E4M3FN, "e4m3fn", "|u1"}, {DType::F8E4M3FNUZ, "e4m3fnuz", "|u1"},
    {DType::F8E5M2, "e5m2", "|u1"},     {DType::F8E5M2FNUZ, "e5m2fnuz", "|u1"},
    {DType::I4, "int4", "|i1"},         {DType::U4, "uint4", "|u1"},
};

// The descr value as it appears in the header: a quoted type string, or a list for the narrow types.
std::string descr_literal(DType t);

const char* descr_of(DType t) {
  switch (t) {
    case DType::F32: return "<f4";
    case DType::F64: return "<f8";
    case DType::F16: return "<f2";
    case DType::I8: return "|i1";
    case DType::I16: return "<i2";
    case DType::I32: return "<i4";
    case DType::I64: return "<i8";
    case DType::U8: return "|u1";
    case DType::U16: return "<u2";
    case DType::U32: return "<u4";
    case DType::U64: return "<u8";
    case DType::Bool: return "|b1";
    default: return nullptr;
  }
}

// The header dict, read strictly: a hostile file gets a message naming the file and the field.
class HeaderParser {
 public:
  HeaderParser(std::string_view text, const std::string& path) : s_(text), path_(path) {}

  void parse(DType* dtype, Shape* shape) {
    expect('{', "the header to start with '{'");
    std::set<std::string> seen;
    while (true) {
      skip_space();
      if (peek() == '}') break;
      const std::string key = quoted("a key in quotes");
      if (!seen.insert(key).second) fail_at("key '" + printable(key) + "' appears twice");
      expect(':', "':' after '" + printable(key) + "'");
      if (key == "descr")
        *dtype = peek_after_space() == '[' ? narrow_dtype() : dtype_of(quoted("the dtype in quotes, like '<f4'"));
      else if (key == "fortran_order") fortran_order();
      else if (key == "shape") *shape = shape_tuple();
      else fail_at("unexpected key '" + printable(key) + "' (expected descr, fortran_order and shape)");
      skip_space();
      if (peek() != ',') break;
      ++i_;
    }
    expect('}', "',' or '}' after a value");
    skip_space();
    if (i_ != s_.size()) fail_at("text after the closing '}'");
    for (const char* key : {"descr", "fortran_order", "shape"})
      if (!seen.count(key)) fail("'", path_, "': .npy header has no '", key, "'");
  }

 private:
  char peek() const { return i_ < s_.size() ? s_[i_] : '\0'; }
  char peek_after_space() {
    skip_space();
    return peek();
  }
  // [('e4m3fn', '|u1')]: one of the onnx package's element types (kNarrowDescrs); any other
  // structured dtype is refused.
  DType narrow_dtype() {
    expect('[', "'['");
    expect('(', "'(' after '['");
    const std::string field = quoted("a field name in quotes");
    expect(',', "',' after the field name");
    const std::string byte = quoted("the field's dtype in quotes");
    expect(')', "')' after the field's dtype");
    if (peek_after_space() == ',') ++i_;
    expect(']', "']' (one field only)");
    for (const NarrowDescr& d : kNarrowDescrs)
      if (field == d.field && byte == d.byte) return d.dtype;
    fail("'", path_, "': unsupported .npy dtype [('", printable(field), "', '", printable(byte),
         "')]; the structured dtypes read are the onnx package's float8 and 4-bit types ([('e4m3fn', '|u1')], "
         "('e4m3fnuz', '|u1'), ('e5m2', '|u1'), ('e5m2fnuz', '|u1'), ('int4', '|i1'), ('uint4', '|u1'))");
  }
  void skip_space() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\n' || s_[i_] == '\t')) ++i_;
  }
  [[noreturn]] void fail_at(const std::string& what) const {
    fail("'", path_, "': malformed .npy header: ", what, " at offset ", i_, " of '", printable(s_), "'");
  }
  void expect(char c, const std::string& what) {
    skip_space();
    if (peek() != c) fail_at("expected " + what);
    ++i_;
  }
  std::string quoted(const std::string& what) {
    skip_space();
    const char q = peek();
    if (q != '\'' && q != '"') fail_at("expected " + what);
    const size_t end = s_.find(q, i_ + 1);
    if (end == std::string_view::npos) fail_at("unterminated string");
    std::string v(s_.substr(i_ + 1, end - i_ - 1));
    i_ = end + 1;
    return v;
  }
  void fortran_order() {
    skip_space();
    if (s_.substr(i_, 5) == "False") {
      i_ += 5;
      return;
    }
    if (s_.substr(i_, 4) == "True")
      fail("'", path_, "': Fortran-order arrays are not supported; save with np.ascontiguousarray");
    fail_at("expected fortran_order True or False");
  }
  // "(2, 3)", "(5,)", "()": non-negative integers.
  Shape shape_tuple() {
    Shape shape;
    expect('(', "the shape as a tuple like (1, 3, 224, 224)");
    while (true) {
      skip_space();
      if (peek() == ')') break;
      int64_t d = 0;
      const char* begin = s_.data() + i_;
      auto [end, ec] = std::from_chars(begin, s_.data() + s_.size(), d);
      if (ec == std::errc::result_out_of_range) fail_at("a dimension too large for 64 bits");
      if (ec != std::errc() || d < 0) fail_at("expected a non-negative integer dimension");
      i_ += static_cast<size_t>(end - begin);
      shape.push_back(d);
      skip_space();
      if (peek() != ',') break;
      ++i_;
    }
    expect(')', "',' or ')' in the shape");
    return shape;
  }
  DType dtype_of(const std::string& d) const {
    static const std::pair<const char*, DType> table[] = {{"f4", DType::F32}, {"f8", DType::F64}, {"f2", DType::F16},
                                                          {"i1", DType::I8},  {"i2", DType::I16}, {"i4", DType::I32},
                                                          {"i8", DType::I64}, {"u1", DType::U8},  {"u2", DType::U16},
                                                          {"u4", DType::U32}, {"u8", DType::U64}, {"b1", DType::Bool}};
    const std::string shown = printable(d);
    if (d.size() != 3 || std::string_view("<>|=").find(d[0]) == std::string_view::npos)
      fail("'", path_, "': unsupported .npy dtype '", shown, "' (expected e.g. '<f4', '<i8', '|u1', '|b1')");
    for (const auto& [code, t] : table) {
      if (d.compare(1, 2, code) != 0) continue;
      if (d[0] == '>' && dtype_size(t) > 1)
        fail("'", path_, "': big-endian .npy data ('", shown,
             "') is not supported; save with "
             "arr.astype(arr.dtype.newbyteorder('<'))");
      return t;
    }
    fail("'", path_, "': unsupported .npy dtype '", shown, "'");
  }

  std::string_view s_;
  const std::string& path_;
  size_t i_ = 0;
};

// Bytes of `shape` elements of `dtype`, or fails when that overflows.
uint64_t data_bytes(const Shape& shape, DType dtype, const std::string& path) {
  uint64_t n = dtype_size(dtype);
  for (int64_t d : shape) {
    if (d != 0 && n > std::numeric_limits<int64_t>::max() / static_cast<uint64_t>(d))
      fail("'", path, "': .npy shape ", shape_to_string(shape), " is too large (its byte size overflows)");
    n *= static_cast<uint64_t>(d);
  }
  return n;
}

Tensor read_npy(const std::string& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in.good()) fail_with(StatusCode::kIoError, "cannot open .npy file '", path, "'");
  const uint64_t file_bytes = static_cast<uint64_t>(in.tellg());
  in.seekg(0);
  char magic[8];
  in.read(magic, 8);
  LS_CHECK(in.gcount() == 8 && std::memcmp(magic, "\x93NUMPY", 6) == 0, "'", path, "' is not a .npy file");
  const int major = static_cast<unsigned char>(magic[6]), minor = static_cast<unsigned char>(magic[7]);
  LS_CHECK(major >= 1 && major <= 3, "'", path, "': .npy format version ", major, ".", minor,
           " is not supported (versions 1.0 to 3.0 are)");
  uint32_t header_len = 0;
  if (major == 1) {
    uint16_t n = 0;
    in.read(reinterpret_cast<char*>(&n), 2);
    header_len = n;
  } else {
    in.read(reinterpret_cast<char*>(&header_len), 4);
  }
  const uint64_t data_start = (major == 1 ? 10 : 12) + uint64_t{header_len};
  LS_CHECK(in.good() && data_start <= file_bytes, "'", path, "': truncated .npy header (", file_bytes,
           " bytes in the file)");
  std::string h(header_len, '\0');
  in.read(h.data(), header_len);
  LS_CHECK(in.good(), "'", path, "': truncated .npy header");
  DType dt = DType::Undefined;
  Shape shape;
  HeaderParser(h, path).parse(&dt, &shape);
  const uint64_t want = data_bytes(shape, dt, path);
  const uint64_t have = file_bytes - data_start;
  LS_CHECK(have == want, "'", path, "': the header says ", dtype_name(dt), " ", shape_to_string(shape), " (", want,
           " bytes of data) but the file holds ", have, " bytes after the header", have < want ? " (truncated?)" : "");
  Tensor t(dt, shape);
  in.read(static_cast<char*>(t.data()), static_cast<std::streamsize>(t.nbytes()));
  LS_CHECK(static_cast<uint64_t>(in.gcount()) == want, "'", path, "': read error in the data");
  if (is_int4(dt)) {
    const int64_t bad = int4_out_of_range(t.data_as<uint8_t>(), t.numel(), dt);
    LS_CHECK(bad < 0, "'", path, "': element ", bad, " is ",
             dt == DType::I4 ? static_cast<int>(t.data_as<int8_t>()[bad]) : static_cast<int>(t.data_as<uint8_t>()[bad]),
             ", outside the range of ", dtype_name(dt), " [", int4_min(dt), ", ", int4_max(dt), "]");
  }
  return t;
}

// The header for `t` (format 1.0: the shape fits a 16-bit header length for any rank we use).
std::string npy_header(const Tensor& t, const std::string& descr) {
  std::string shape = "(";
  for (int64_t d : t.shape()) shape += std::to_string(d) + ",";
  if (t.rank() > 1) shape.pop_back();
  shape += ")";
  std::string h = "{'descr': " + descr + ", 'fortran_order': False, 'shape': " + shape + ", }";
  while ((10 + h.size() + 1) % 64) h += ' ';
  h += '\n';
  const auto n = static_cast<uint16_t>(h.size());
  return std::string("\x93NUMPY\x01\x00", 8) + static_cast<char>(n & 0xFF) + static_cast<char>(n >> 8) + h;
}

std::string descr_literal(DType t) {
  for (const NarrowDescr& d : kNarrowDescrs)
    if (d.dtype == t) return "[('" + std::string(d.field) + "', '" + d.byte + "')]";
  const char* descr = descr_of(t);
  return descr ? "'" + std::string(descr) + "'" : std::string();
}

}  // namespace

Status load_npy(const std::string& path, Tensor* out) {
  return guarded([&] { *out = read_npy(path); });
}

Status save_npy_files(const std::string& dir, const std::vector<NamedTensor>& files) {
  std::vector<std::string> headers;
  for (const NamedTensor& f : files) {
    const std::string descr = descr_literal(f.tensor.dtype());
    if (descr.empty())
      return Status::error("cannot save '" + f.name + "': " + dtype_name(f.tensor.dtype()) +
                           " tensors cannot be written as .npy");
    headers.push_back(npy_header(f.tensor, descr));
  }
  std::vector<FileContent> contents;
  for (size_t i = 0; i < files.size(); ++i)
    contents.push_back(
        {files[i].name,
         {headers[i], std::string_view(static_cast<const char*>(files[i].tensor.data()), files[i].tensor.nbytes())}});
  return write_files_atomically(dir, contents);
}

Status save_npy(const std::string& path, const Tensor& t) {
  const std::string descr = descr_literal(t.dtype());
  if (descr.empty()) return Status::error("cannot save " + std::string(dtype_name(t.dtype())) + " tensors as .npy");
  const std::string header = npy_header(t, descr);
  return write_file_atomically(path, {header, std::string_view(static_cast<const char*>(t.data()), t.nbytes())});
}

}  // namespace layerscope
