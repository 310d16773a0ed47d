#include "ops/op_def.h"

#include <algorithm>
#include <type_traits>

#include "ir/float8.h"
#include "ir/int4.h"
#include "layerscope/printable.h"

namespace layerscope {

std::string Graph::describe(const Node& n) {
  // Every part comes from the model file: escaped, so a corrupt name prints as \xNN.
  std::string d = "'";
  d.append(printable(n.op_type)).append("' node '").append(printable(n.name)).append("'");
  if (!n.domain.empty()) d.append(" (domain ").append(printable(n.domain)).append(")");
  d += " (opset " + std::to_string(n.opset) + ")";
  return d;
}

const char* attr_type_name(AttrType t) {
  switch (t) {
    case AttrType::INT: return "INT";
    case AttrType::FLOAT: return "FLOAT";
    case AttrType::STRING: return "STRING";
    case AttrType::INTS: return "INTS";
    case AttrType::FLOATS: return "FLOATS";
    case AttrType::STRINGS: return "STRINGS";
    case AttrType::TENSOR: return "TENSOR";
    case AttrType::GRAPH: return "GRAPH";
    case AttrType::TYPE_PROTO: return "TYPE_PROTO";
  }
  return "?";
}

namespace {
AttrType type_of(const AttrValue& v) {
  return std::visit(
      [](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, int64_t>) return AttrType::INT;
        else if constexpr (std::is_same_v<T, float>) return AttrType::FLOAT;
        else if constexpr (std::is_same_v<T, std::string>) return AttrType::STRING;
        else if constexpr (std::is_same_v<T, std::vector<int64_t>>) return AttrType::INTS;
        else if constexpr (std::is_same_v<T, std::vector<float>>) return AttrType::FLOATS;
        else if constexpr (std::is_same_v<T, std::vector<std::string>>) return AttrType::STRINGS;
        else if constexpr (std::is_same_v<T, Tensor>) return AttrType::TENSOR;
        else if constexpr (std::is_same_v<T, TypeAttr>) return AttrType::TYPE_PROTO;
        else return AttrType::GRAPH;
      },
      v);
}
}  // namespace

std::vector<AttrSpec> attributes_at(const OpDef& def, int opset) {
  std::vector<AttrSpec> out;
  for (const AttrSpec& a : def.attributes)
    if (a.applies(opset)) out.push_back({a.name, a.type});
  return out;
}

namespace {
// "18 and later", "1 to 8, 11 to 12": the opsets in which some version of the op accepts `name`.
std::string opsets_accepting(std::span<const OpDef> versions, const std::string& name) {
  std::vector<std::pair<int, int>> ranges;
  for (const OpDef& d : versions)
    for (const AttrSpec& s : d.attributes)
      if (s.name == name && std::max(s.since, d.since) <= std::min(s.until, d.until))
        ranges.emplace_back(std::max(s.since, d.since), std::min(s.until, d.until));
  std::sort(ranges.begin(), ranges.end());
  std::vector<std::pair<int, int>> merged;
  for (auto [lo, hi] : ranges)
    if (!merged.empty() && lo <= merged.back().second + 1) merged.back().second = std::max(merged.back().second, hi);
    else merged.emplace_back(lo, hi);
  std::string out;
  for (auto [lo, hi] : merged)
    out += (out.empty() ? "" : ", ") + std::to_string(lo) +
           (hi == INT_MAX ? " and later"
            : hi == lo    ? ""
                          : " to " + std::to_string(hi));
  return out;
}
}  // namespace

std::string attribute_problem(const OpDef& def, const Node& n, std::span<const OpDef> versions) {
  for (const auto& [name, value] : n.attrs.all()) {
    const AttrSpec* spec = nullptr;
    for (const AttrSpec& s : def.attributes)
      if (s.name == name && s.applies(n.opset)) spec = &s;
    if (spec) {
      const AttrType got = type_of(value);
      if (got != spec->type)
        return "attribute '" + name + "' is " + attr_type_name(got) + ", expected " + attr_type_name(spec->type);
      continue;
    }
    std::vector<std::string> names;
    for (const AttrSpec& s : def.attributes)
      if (s.applies(n.opset)) names.push_back(s.name);
    std::sort(names.begin(), names.end());
    std::string accepted;
    for (const std::string& s : names) accepted += (accepted.empty() ? "" : ", ") + s;
    std::string elsewhere = opsets_accepting(versions.empty() ? std::span<const OpDef>(&def, 1) : versions, name);
    if (!elsewhere.empty()) elsewhere = " (accepted in opsets " + elsewhere + ")";
    return "unknown attribute '" + name + "'" + elsewhere + "; " + n.op_type +
           (accepted.empty() ? " accepts no attributes" : " accepts " + accepted);
  }
  return {};
}

const Tensor& InferContext::value(int i) const {
  LS_CHECK(std::find(value_inputs_.begin(), value_inputs_.end(), i) != value_inputs_.end(), Graph::describe(node_),
           ": shape inference reads the value of input ", i, ", which its OpDef does not list in value_inputs");
  LS_CHECK(has_input(i) && values_.at(i) != nullptr, Graph::describe(node_), ": the value of input ", i,
           " is not known; infer() runs only once every input in value_inputs is");
  return *values_[i];
}

bool needs_run_time_values(const OpDef& def, const Node& n, const std::vector<const Tensor*>& values) {
  for (int i : def.value_inputs)
    if (i < static_cast<int>(n.inputs.size()) && n.inputs[i] >= 0 &&
        (i >= static_cast<int>(values.size()) || values[i] == nullptr))
      return true;
  return false;
}

std::vector<int64_t> InferContext::int_values(int i) const {
  const Tensor& t = value(i);
  std::vector<int64_t> v(t.numel());
  if (t.dtype() == DType::I64) {
    for (int64_t k = 0; k < t.numel(); ++k) v[k] = t.data_as<int64_t>()[k];
  } else if (t.dtype() == DType::I32) {
    for (int64_t k = 0; k < t.numel(); ++k) v[k] = t.data_as<int32_t>()[k];
  } else {
    error("input ", i, " must be int32 or int64, got ", dtype_name(t.dtype()));
  }
  return v;
}

void InferContext::expect_inputs(int min, int max) const {
  int n = 0;
  for (int i = 0; i < num_inputs(); ++i) n = has_input(i) ? i + 1 : n;
  if (n < min || num_inputs() > max) error("expected ", min, "..", max, " inputs, got ", num_inputs());
  for (int i = 0; i < min; ++i)
    if (!has_input(i)) error("required input ", i, " is missing");
}

void InferContext::expect_dtype_in(int i, std::initializer_list<DType> allowed) const {
  for (DType d : allowed)
    if (dtype(i) == d) return;
  std::string names;
  for (DType d : allowed) names += std::string(names.empty() ? "" : ", ") + dtype_name(d);
  error("input ", i, " has type ", dtype_name(dtype(i)), "; expected one of ", names);
}

namespace {

bool narrow(DType t) { return is_float8(t) || is_int4(t); }

[[noreturn]] void refuse_narrow(const InferContext& ctx, const char* side, size_t i, DType t) {
  ctx.error(side, " ", i, " is ", dtype_name(t), ": float8 and 4-bit integer tensors are only converted (by Cast, ",
            "CastLike, QuantizeLinear and DequantizeLinear); ", ctx.node().op_type, " does not run them");
}

}  // namespace

void infer_node(const OpDef& def, InferContext& ctx) {
  if (!def.narrow_types)
    for (size_t i = 0; i < ctx.inputs().size(); ++i)
      if (narrow(ctx.inputs()[i].dtype)) refuse_narrow(ctx, "input", i, ctx.inputs()[i].dtype);
  def.infer(ctx);
  if (!def.narrow_types)
    for (size_t i = 0; i < ctx.outputs().size(); ++i)
      if (narrow(ctx.outputs()[i].dtype)) refuse_narrow(ctx, "output", i, ctx.outputs()[i].dtype);
}

Cost bytes_only_cost(const CostContext& c) {
  Cost cost;
  for (const TensorInfo& t : c.inputs)
    if (t.dtype != DType::Undefined) cost.bytes_read += t.bytes();
  for (const TensorInfo& t : c.outputs) cost.bytes_written += t.bytes();
  return cost;
}

}  // namespace layerscope
