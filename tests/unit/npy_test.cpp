// .npy reading (strict header validation) and writing (atomic, all-or-nothing sets).
#include "layerscope/npy.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "onnx_builder.h"

namespace layerscope {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

// A format-1.0 .npy file with header dict `dict` (padded as numpy pads it) and `data_bytes`
// bytes of data.
std::string npy_bytes(const std::string& dict, size_t data_bytes, char major = 1) {
  std::string h = dict;
  const size_t prefix = major == 1 ? 10 : 12;
  while ((prefix + h.size() + 1) % 64) h += ' ';
  h += '\n';
  std::string out = std::string("\x93NUMPY", 6) + major + '\0';
  const uint32_t n = static_cast<uint32_t>(h.size());
  out += static_cast<char>(n & 0xFF);
  out += static_cast<char>((n >> 8) & 0xFF);
  if (major != 1) {
    out += static_cast<char>((n >> 16) & 0xFF);
    out += static_cast<char>(n >> 24);
  }
  return out + h + std::string(data_bytes, '\x01');
}

std::string load_error(const TempDir& tmp, const std::string& bytes) {
  const std::string path = tmp.write("bad.npy", bytes);
  Tensor t;
  Status st = load_npy(path, &t);
  EXPECT_FALSE(st) << "accepted: " << bytes.substr(10);
  if (st) return "";
  EXPECT_NE(st.message().find(path), std::string::npos) << st.message();
  EXPECT_EQ(st.message().find("internal error"), std::string::npos) << st.message();
  return st.message();
}

TEST(Npy, SavesAndLoadsEveryTypeAndRank) {
  TempDir tmp;
  Tensor f(DType::F32, {2, 3});
  for (int i = 0; i < 6; ++i) f.data_as<float>()[i] = 0.5f * i;
  Tensor scalar(DType::I64, {});
  *scalar.data_as<int64_t>() = -7;
  Tensor vec(DType::U8, {5});
  Tensor empty(DType::F64, {0, 4});
  for (const Tensor& t : {f, scalar, vec, empty}) {
    const std::string path = (tmp.path() / "t.npy").string();
    ASSERT_TRUE(save_npy(path, t));
    Tensor back;
    Status st = load_npy(path, &back);
    ASSERT_TRUE(st) << st.message();
    EXPECT_EQ(back.dtype(), t.dtype());
    EXPECT_EQ(back.shape(), t.shape());
    EXPECT_EQ(std::memcmp(back.data(), t.data(), t.nbytes()), 0);
  }
  // Versions 2.0 and 3.0 (4-byte header length) read too.
  Tensor t;
  Status st =
      load_npy(tmp.write("v2.npy", npy_bytes("{'descr': '<i2', 'fortran_order': False, 'shape': (3,), }", 6, 2)), &t);
  ASSERT_TRUE(st) << st.message();
  EXPECT_EQ(t.shape(), (Shape{3}));
}

TEST(Npy, HostileHeadersGetClearErrorsNamingTheFile) {
  TempDir tmp;
  struct Case {
    std::string dict;
    size_t data;
    const char* expect;
  };
  const Case cases[] = {
      // A nested shape used to end in "internal error: stoll".
      {"{'descr': '<f4', 'fortran_order': False, 'shape': ((2, 3), 4), }", 96, "non-negative integer dimension"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (2, -3), }", 24, "non-negative integer dimension"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,), }", 0, "too large for 64 bits"},
      {"{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296), }", 0, "overflows"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': 6, }", 24, "tuple"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (6,), 'extra': 1, }", 24, "unexpected key 'extra'"},
      {"{'descr': '<f4', 'shape': (6,), }", 24, "no 'fortran_order'"},
      {"{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (6,), }", 24, "appears twice"},
      {"{'descr': '<f4', 'fortran_order': True, 'shape': (6,), }", 24, "Fortran-order"},
      {"{'descr': '<f4', 'fortran_order': maybe, 'shape': (6,), }", 24, "True or False"},
      {"{'descr': '>f4', 'fortran_order': False, 'shape': (6,), }", 24, "big-endian"},
      {"{'descr': '<c8', 'fortran_order': False, 'shape': (6,), }", 48, "unsupported .npy dtype '<c8'"},
      // Structured dtypes: only the onnx package's float8 / 4-bit element types.
      {"{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (6,), }", 24,
       "unsupported .npy dtype [('a', '<f4')]"},
      {"{'descr': [('e4m3fn', '<f4')], 'fortran_order': False, 'shape': (6,), }", 24, "unsupported .npy dtype"},
      {"{'descr': [('e4m3fn', '|u1'), ('b', '|u1')], 'fortran_order': False, 'shape': (6,), }", 12, "one field only"},
      {"{'descr': [('e4m3fn' '|u1')], 'fortran_order': False, 'shape': (6,), }", 6, "',' after the field name"},
      {"{'descr': [e4m3fn], 'fortran_order': False, 'shape': (6,), }", 6, "'(' after '['"},
      {"{'descr': [('e5m2', '|u1'), 'fortran_order': False, 'shape': (6,), }", 6, "']'"},
      {"{'descr': [('e5m2', '|u1')], 'fortran_order': False, 'shape': (6,), }", 5, "holds 5 bytes"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (6,), } junk", 24, "after the closing"},
      {"['descr', '<f4']", 24, "start with '{'"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (6,), }", 23, "holds 23 bytes"},     // truncated data
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (6,), }", 25, "holds 25 bytes"},     // trailing bytes
      {"{'descr': '<f4\x1b[31m', 'fortran_order': False, 'shape': (6,), }", 24, "\\x1b[31m"},  // escaped
  };
  for (const Case& c : cases) {
    const std::string msg = load_error(tmp, npy_bytes(c.dict, c.data));
    EXPECT_NE(msg.find(c.expect), std::string::npos) << c.dict << "\n -> " << msg;
    EXPECT_EQ(msg.find('\x1b'), std::string::npos) << msg;
  }
  // Outside the header dict: the magic, the version, a length that runs past the file.
  std::string v9 = npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (6,), }", 24);
  v9[6] = 9;
  EXPECT_NE(load_error(tmp, v9).find("version 9.0 is not supported"), std::string::npos);
  EXPECT_NE(load_error(tmp, "PK\x03\x04 a zip file").find("is not a .npy file"), std::string::npos);
  std::string long_header = npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (6,), }", 0);
  long_header[8] = '\xff';
  long_header[9] = '\x7f';
  EXPECT_NE(load_error(tmp, long_header).find("truncated .npy header"), std::string::npos);
}

// float8 and 4-bit tensors: the onnx package's descr, one byte per element, both ways.
TEST(Npy, Float8AndInt4UseTheOnnxPackagesDtypes) {
  TempDir tmp;
  const std::pair<DType, const char*> types[] = {
      {DType::F8E4M3FN, "[('e4m3fn', '|u1')]"}, {DType::F8E4M3FNUZ, "[('e4m3fnuz', '|u1')]"},
      {DType::F8E5M2, "[('e5m2', '|u1')]"},     {DType::F8E5M2FNUZ, "[('e5m2fnuz', '|u1')]"},
      {DType::I4, "[('int4', '|i1')]"},         {DType::U4, "[('uint4', '|u1')]"},
  };
  for (const auto& [dtype, descr] : types) {
    Tensor t(dtype, {3});
    const uint8_t values[] = {0x01, 0x07, dtype == DType::I4 ? uint8_t{0xF8} : uint8_t{0x0F}};  // I4: -8
    std::memcpy(t.data(), values, 3);
    const std::string path = (tmp.path() / "t.npy").string();
    ASSERT_TRUE(save_npy(path, t));
    std::ifstream in(path, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_NE(bytes.find(std::string("'descr': ") + descr + ","), std::string::npos) << bytes.substr(10, 64);
    EXPECT_EQ(bytes.size() % 64, 3u);  // header padded to 64, then one byte per element
    Tensor back;
    Status st = load_npy(path, &back);
    ASSERT_TRUE(st) << st.message();
    EXPECT_EQ(back.dtype(), dtype);
    EXPECT_EQ(std::memcmp(back.data(), values, 3), 0) << dtype_name(dtype);
    // As np.save writes an array of onnx.numpy_helper.to_array's float8 / 4-bit dtypes.
    std::string dict = std::string("{'descr': ") + descr + ", 'fortran_order': False, 'shape': (2,), }";
    ASSERT_TRUE(load_npy(tmp.write("np.npy", npy_bytes(dict, 2)), &back));
    EXPECT_EQ(back.dtype(), dtype);
  }
  // A 4-bit value outside its type's range is refused, naming the element.
  const std::string bad_i4 =
      npy_bytes("{'descr': [('int4', '|i1')], 'fortran_order': False, 'shape': (2,), }", 0) + std::string("", 2);
  EXPECT_NE(load_error(tmp, bad_i4).find("element 1 is 8, outside the range of INT4 [-8, 7]"), std::string::npos);
  const std::string bad_u4 =
      npy_bytes("{'descr': [('uint4', '|u1')], 'fortran_order': False, 'shape': (1,), }", 0) + std::string("", 1);
  EXPECT_NE(load_error(tmp, bad_u4).find("element 0 is 16, outside the range of UINT4 [0, 15]"), std::string::npos);
}

TEST(Npy, SaveFilesIsAllOrNothing) {
  TempDir tmp;
  Tensor a(DType::F32, {2});
  Tensor b(DType::I32, {3});
  Status st = save_npy_files(tmp.path().string(), {{"a.npy", a}, {"b.npy", b}});
  ASSERT_TRUE(st) << st.message();
  Tensor back;
  ASSERT_TRUE(load_npy((tmp.path() / "b.npy").string(), &back));
  EXPECT_EQ(back.shape(), (Shape{3}));

  // A type .npy cannot hold: refused before anything is written.
  TempDir other;
  st = save_npy_files(other.path().string(), {{"a.npy", a}, {"s.npy", Tensor(DType::BF16, {1})}});
  ASSERT_FALSE(st);
  EXPECT_NE(st.message().find("s.npy"), std::string::npos) << st.message();
  EXPECT_TRUE(fs::is_empty(other.path()));
  // Two outputs for one file name: refused, nothing written.
  st = save_npy_files(other.path().string(), {{"a.npy", a}, {"a.npy", a}});
  ASSERT_FALSE(st);
  EXPECT_TRUE(fs::is_empty(other.path()));
}

}  // namespace
}  // namespace layerscope
