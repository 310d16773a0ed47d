// For tests that run hand-built models (tests/unit/onnx_builder.h) through a Session: small
// tensors, and a fixture that loads a model from a temporary folder (or expects it to fail).
#pragma once
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "layerscope/session.h"
#include "unit/onnx_builder.h"

namespace layerscope::testing {

inline Tensor floats(const Shape& shape, const std::vector<float>& v) {
  Tensor t(DType::F32, shape);
  std::copy(v.begin(), v.end(), t.data_as<float>());
  return t;
}
inline Tensor int64(int64_t v) {
  Tensor t(DType::I64, {});
  *t.data_as<int64_t>() = v;
  return t;
}
inline std::vector<float> values(const Tensor& t) { return {t.data_as<float>(), t.data_as<float>() + t.numel()}; }

class SessionTest : public ::testing::Test {
 protected:
  std::unique_ptr<Session> load(const onnx::ModelProto& m) {
    std::unique_ptr<Session> s;
    Status st = Session::load(dir_.write_model("m" + std::to_string(count_++) + ".onnx", m), {}, &s);
    EXPECT_TRUE(st) << st.message();
    return s;
  }
  // The message of a load that must fail (a static model is checked when planned at load).
  std::string load_error(const onnx::ModelProto& m) {
    std::unique_ptr<Session> s;
    Status st = Session::load(dir_.write_model("bad" + std::to_string(count_++) + ".onnx", m), {}, &s);
    EXPECT_FALSE(st);
    return st.message();
  }
  TempDir dir_;
  int count_ = 0;
};

}  // namespace layerscope::testing
