// Tier 2: the ONNX backend test data (Debian's libonnx-testdata) run through the public API.
// Every case is one gtest. A case is skipped only when
//   - it uses an operator (at its opset) that layerscope does not register: reason generated,
//     or, for an op declared out of scope (ops/out_of_scope.cpp: training, string, ai.onnx.ml),
//     that declaration's reason, the one loading such a model gives, or
//   - it is listed in exclusions/*.txt with a written reason.
// Every other case must pass: if we register an op, all of its cases count.
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>

#include "ir/error.h"
#include "ir/float8.h"
#include "layerscope/session.h"
#include "onnx/model_loader.h"
#include "onnx/tensor_proto.h"
#include "ops/out_of_scope.h"
#include "registry/registry.h"

namespace fs = std::filesystem;
using namespace layerscope;

namespace {

std::string data_root() {
  const char* env = std::getenv("LAYERSCOPE_ONNX_TESTDATA");
  return env ? env : "/usr/share/libonnx-testdata/data";
}

struct Case {
  std::string name;  // "node/test_abs"
  fs::path dir;
};

std::vector<Case> collect_cases() {
  std::vector<Case> cases;
  for (const char* suite : {"node", "pytorch-converted", "pytorch-operator", "simple"}) {
    fs::path root = fs::path(data_root()) / suite;
    if (!fs::is_directory(root)) continue;
    for (const auto& e : fs::directory_iterator(root))
      if (fs::exists(e.path() / "model.onnx"))
        cases.push_back({std::string(suite) + "/" + e.path().filename().string(), e.path()});
  }
  std::sort(cases.begin(), cases.end(), [](const Case& a, const Case& b) { return a.name < b.name; });
  return cases;
}

// exclusions/*.txt: "<case name or suite/case name><TAB or spaces><reason>"
std::map<std::string, std::string> load_exclusions() {
  std::map<std::string, std::string> ex;
  fs::path dir = LAYERSCOPE_EXCLUSIONS_DIR;
  if (!fs::is_directory(dir)) return ex;
  for (const auto& f : fs::directory_iterator(dir)) {
    std::ifstream in(f.path());
    std::string line;
    while (std::getline(in, line)) {
      if (line.empty() || line[0] == '#') continue;
      size_t sep = line.find_first_of("\t ");
      std::string name = line.substr(0, sep);
      std::string reason = sep == std::string::npos ? "" : line.substr(line.find_first_not_of("\t ", sep));
      if (reason.empty()) reason = "(no reason given: fix the exclusion file " + f.path().filename().string() + ")";
      ex[name] = reason;
    }
  }
  return ex;
}

const std::map<std::string, std::string>& exclusions() {
  static const auto ex = load_exclusions();
  return ex;
}

// The reason a case cannot run (an operator we do not register at its opset), or "".
// Reads the protobuf directly so that it works even for models our loader refuses.
std::string unsupported_reason(const fs::path& model) {
  onnx::ModelProto m;
  std::ifstream in(model, std::ios::binary);
  if (!m.ParseFromIstream(&in)) return "";  // a parse failure must surface in the test itself
  std::map<std::string, int> opsets;
  for (const auto& o : m.opset_import())
    opsets[o.domain() == "ai.onnx" ? "" : o.domain()] = static_cast<int>(o.version());
  for (const auto& n : m.graph().node()) {
    std::string domain = n.domain() == "ai.onnx" ? "" : n.domain();
    if (n.op_type() == "Constant" && domain.empty()) continue;  // the loader turns these into values
    int opset = opsets.count(domain) ? opsets[domain] : 0;
    if (Registry::builtin().find_op(domain, n.op_type(), opset)) continue;
    const std::string out_of_scope = out_of_scope_reason(domain, n.op_type());
    if (!out_of_scope.empty()) return "out of scope: " + out_of_scope;
    return "uses unsupported operator " + n.op_type() + (domain.empty() ? "" : " (" + domain + ")") + " at opset " +
           std::to_string(opset);
  }
  return "";
}

template <typename T>
void expect_close(const Tensor& got, const Tensor& want, const std::string& what) {
  const T* g = got.data_as<T>();
  const T* w = want.data_as<T>();
  int reported = 0;
  for (int64_t i = 0; i < want.numel() && reported < 5; ++i) {
    bool ok;
    if constexpr (std::is_floating_point_v<T>) {
      double a = g[i], b = w[i];
      ok = (std::isnan(a) && std::isnan(b)) || a == b || std::fabs(a - b) <= 1e-5 + 1e-3 * std::fabs(b);
    } else {
      ok = g[i] == w[i];
    }
    if (!ok) {
      ADD_FAILURE() << what << " element " << i << ": got " << +g[i] << ", expected " << +w[i];
      ++reported;
    }
  }
}

// float8: the same bit pattern, or both NaN (E4M3FN and E5M2 have NaNs of either sign).
void expect_same_float8(const Tensor& got, const Tensor& want, const std::string& what) {
  const uint8_t* g = got.data_as<uint8_t>();
  const uint8_t* w = want.data_as<uint8_t>();
  int reported = 0;
  for (int64_t i = 0; i < want.numel() && reported < 5; ++i) {
    const bool both_nan = float8_is_nan(g[i], want.dtype()) && float8_is_nan(w[i], want.dtype());
    if (g[i] == w[i] || both_nan) continue;
    ADD_FAILURE() << what << " element " << i << ": got 0x" << std::hex << +g[i] << " ("
                  << float8_to_float(g[i], want.dtype()) << "), expected 0x" << +w[i] << " ("
                  << float8_to_float(w[i], want.dtype()) << ")" << std::dec;
    ++reported;
  }
}

void compare(const Tensor& got, const Tensor& want, const std::string& what) {
  ASSERT_EQ(dtype_name(got.dtype()), std::string(dtype_name(want.dtype()))) << what;
  ASSERT_EQ(shape_to_string(got.shape()), shape_to_string(want.shape())) << what;
  switch (want.dtype()) {
    case DType::F32: expect_close<float>(got, want, what); break;
    case DType::F64: expect_close<double>(got, want, what); break;
    case DType::I64: expect_close<int64_t>(got, want, what); break;
    case DType::I32: expect_close<int32_t>(got, want, what); break;
    case DType::I16: expect_close<int16_t>(got, want, what); break;
    case DType::I8:
    case DType::I4: expect_close<int8_t>(got, want, what); break;
    case DType::U8:
    case DType::U4:
    case DType::Bool: expect_close<uint8_t>(got, want, what); break;
    case DType::F8E4M3FN:
    case DType::F8E4M3FNUZ:
    case DType::F8E5M2:
    case DType::F8E5M2FNUZ: expect_same_float8(got, want, what); break;
    case DType::U16:
    case DType::F16:
    case DType::BF16: expect_close<uint16_t>(got, want, what); break;
    case DType::U32: expect_close<uint32_t>(got, want, what); break;
    case DType::U64: expect_close<uint64_t>(got, want, what); break;
    default: FAIL() << what << ": cannot compare " << dtype_name(want.dtype());
  }
}

// A value of any kind against the expected one: the same type, then tensor by tensor.
void compare_values(const AnyValue& got, const AnyValue& want, const std::string& what) {
  ASSERT_EQ(got.describe(), want.describe()) << what;
  if (got.is_tensor()) return compare(got.tensor, want.tensor, what);
  if (got.type.kind == ValueKind::Optional && got.type.held == ValueKind::Tensor) {
    if (got.has_element) compare(got.tensor, want.tensor, what + " (its element)");
    return;
  }
  for (size_t k = 0; k < want.sequence.size(); ++k)
    compare(got.sequence[k], want.sequence[k], what + " tensor " + std::to_string(k));
}

std::vector<fs::path> numbered(const fs::path& dir, const std::string& prefix) {
  std::vector<fs::path> files;
  for (int i = 0;; ++i) {
    fs::path p = dir / (prefix + std::to_string(i) + ".pb");
    if (!fs::exists(p)) break;
    files.push_back(p);
  }
  return files;
}

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

class BackendTest : public ::testing::TestWithParam<Case> {};

TEST_P(BackendTest, MatchesReference) {
  const Case& c = GetParam();
  const std::string short_name = c.dir.filename().string();
  for (const std::string& key : {c.name, short_name}) {
    auto it = exclusions().find(key);
    if (it != exclusions().end()) GTEST_SKIP() << "excluded: " << it->second;
  }
  std::string why = unsupported_reason(c.dir / "model.onnx");
  if (!why.empty()) GTEST_SKIP() << why;

  std::unique_ptr<Session> session;
  Status st = Session::load((c.dir / "model.onnx").string(), {}, &session);
  ASSERT_TRUE(st) << st.message();
  int sets = 0;
  for (const auto& e : fs::directory_iterator(c.dir)) {
    if (!e.is_directory() || e.path().filename().string().rfind("test_data_set_", 0) != 0) continue;
    ++sets;
    // Inputs and outputs may be sequences and optionals (SequenceProto, OptionalProto files).
    std::vector<NamedValue> inputs;
    auto in_files = numbered(e.path(), "input_");
    ASSERT_LE(in_files.size(), session->inputs().size()) << "more input files than model inputs";
    for (size_t i = 0; i < in_files.size(); ++i) {
      const ValueDesc& d = session->inputs()[i];
      inputs.push_back({d.name, load_value_pb(in_files[i].string(), d.type, d.dtype)});
    }
    std::vector<NamedValue> outputs;
    st = session->run_values(inputs, &outputs);
    ASSERT_TRUE(st) << st.message();
    auto out_files = numbered(e.path(), "output_");
    ASSERT_EQ(out_files.size(), outputs.size());
    for (size_t i = 0; i < out_files.size(); ++i) {
      const AnyValue& got = outputs[i].value;
      compare_values(got, load_value_pb(out_files[i].string(), got.type, got.dtype),
                     e.path().filename().string() + " output '" + outputs[i].name + "'");
    }
  }
  EXPECT_GT(sets, 0) << "no test_data_set_* folders";
}

std::string case_id(const ::testing::TestParamInfo<Case>& info) {
  std::string s = info.param.name;
  for (char& ch : s)
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  return s;
}

INSTANTIATE_TEST_SUITE_P(Onnx, BackendTest, ::testing::ValuesIn(collect_cases()), case_id);

}  // namespace
