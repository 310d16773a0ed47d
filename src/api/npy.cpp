#include "layerscope/npy.h"

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "ir/error.h"

namespace layerscope {

namespace {

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

DType dtype_of(const std::string& d, const std::string& path) {
  static const std::pair<const char*, DType> table[] = {
      {"f4", DType::F32}, {"f8", DType::F64}, {"f2", DType::F16}, {"i1", DType::I8},  {"i2", DType::I16},
      {"i4", DType::I32}, {"i8", DType::I64}, {"u1", DType::U8},  {"u2", DType::U16}, {"u4", DType::U32},
      {"u8", DType::U64}, {"b1", DType::Bool}};
  LS_CHECK(d.size() == 3, "'", path, "': unsupported .npy dtype '", d, "'");
  LS_CHECK(d[0] != '>', "'", path, "': big-endian .npy data is not supported");
  for (const auto& [code, t] : table)
    if (d.compare(1, 2, code) == 0) return t;
  fail("'", path, "': unsupported .npy dtype '", d, "'");
}

// Extracts the value text of 'key' from the header dict.
std::string header_field(const std::string& h, const std::string& key, const std::string& path) {
  size_t k = h.find("'" + key + "'");
  LS_CHECK(k != std::string::npos, "'", path, "': .npy header has no '", key, "'");
  size_t colon = h.find(':', k);
  LS_CHECK(colon != std::string::npos, "'", path, "': malformed .npy header");
  size_t start = h.find_first_not_of(' ', colon + 1);
  size_t end = h[start] == '(' ? h.find(')', start) + 1 : h.find_first_of(",}", start);
  LS_CHECK(start != std::string::npos && end != std::string::npos, "'", path, "': malformed .npy header");
  return h.substr(start, end - start);
}

Tensor read_npy(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  LS_CHECK(in.good(), "cannot open .npy file '", path, "'");
  char magic[8];
  in.read(magic, 8);
  LS_CHECK(in.gcount() == 8 && std::memcmp(magic, "\x93NUMPY", 6) == 0, "'", path, "' is not a .npy file");
  uint32_t header_len = 0;
  if (magic[6] == 1) {
    uint16_t n = 0;
    in.read(reinterpret_cast<char*>(&n), 2);
    header_len = n;
  } else {
    in.read(reinterpret_cast<char*>(&header_len), 4);
  }
  LS_CHECK(in.good() && header_len < (1u << 20), "'", path, "': truncated .npy header");
  std::string h(header_len, '\0');
  in.read(h.data(), header_len);
  LS_CHECK(in.good(), "'", path, "': truncated .npy header");
  std::string descr = header_field(h, "descr", path);
  LS_CHECK(descr.size() >= 2, "'", path, "': malformed dtype");
  DType dt = dtype_of(descr.substr(1, descr.size() - 2), path);
  LS_CHECK(header_field(h, "fortran_order", path) == "False", "'", path,
           "': Fortran-order arrays are not supported; save with np.ascontiguousarray");
  std::string shape_text = header_field(h, "shape", path);
  Shape shape;
  for (size_t i = 1; i < shape_text.size();) {
    size_t j = shape_text.find_first_of(",)", i);
    std::string tok = shape_text.substr(i, j - i);
    tok.erase(0, tok.find_first_not_of(' '));
    if (!tok.empty()) shape.push_back(std::stoll(tok));
    if (j == std::string::npos) break;
    i = j + 1;
  }
  Tensor t(dt, shape);
  in.read(static_cast<char*>(t.data()), static_cast<std::streamsize>(t.nbytes()));
  LS_CHECK(static_cast<size_t>(in.gcount()) == t.nbytes(), "'", path, "': data truncated (expected ", t.nbytes(),
           " bytes for ", dtype_name(dt), " ", shape_to_string(shape), ")");
  return t;
}

}  // namespace

Status load_npy(const std::string& path, Tensor* out) {
  try {
    *out = read_npy(path);
    return Status::ok();
  } catch (const std::exception& e) {
    return Status::error(e.what());
  }
}

Status save_npy(const std::string& path, const Tensor& t) {
  const char* descr = descr_of(t.dtype());
  if (!descr) return Status::error("cannot save " + std::string(dtype_name(t.dtype())) + " tensors as .npy");
  std::string shape = "(";
  for (int64_t d : t.shape()) shape += std::to_string(d) + ",";
  if (t.rank() > 1) shape.pop_back();
  shape += ")";
  std::string h = "{'descr': '" + std::string(descr) + "', 'fortran_order': False, 'shape': " + shape + ", }";
  while ((10 + h.size() + 1) % 64) h += ' ';
  h += '\n';
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return Status::error("cannot write '" + tmp + "'");
    out.write("\x93NUMPY\x01\x00", 8);
    uint16_t n = static_cast<uint16_t>(h.size());
    out.write(reinterpret_cast<const char*>(&n), 2);
    out.write(h.data(), static_cast<std::streamsize>(h.size()));
    out.write(static_cast<const char*>(t.data()), static_cast<std::streamsize>(t.nbytes()));
    if (!out.good()) {
      out.close();
      std::remove(tmp.c_str());
      return Status::error("failed writing '" + path + "' (disk full?)");
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::remove(tmp.c_str());
    return Status::error("cannot write '" + path + "': " + ec.message());
  }
  return Status::ok();
}

}  // namespace layerscope
