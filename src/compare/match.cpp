#include "compare/match.h"

#include <algorithm>
#include <cctype>
#include <deque>
#include <map>
#include <tuple>
#include <unordered_map>

#include "profile/quantized_layers.h"
#include "util/text.h"

namespace layerscope::compare {

namespace {

// Op type and every input/output shape, inside the layer's scope: the identity of a layer when
// names do not help.
std::string shape_key(const LayerProfile& l) {
  std::string k = l.scope + "|" + l.op_type + "|";
  for (const auto& s : l.input_shapes) {
    for (int64_t d : s) k += std::to_string(d) + ",";
    k += ";";
  }
  k += "|";
  for (const auto& s : l.output_shapes) {
    for (int64_t d : s) k += std::to_string(d) + ",";
    k += ";";
  }
  return k;
}

// A QuantizeLinear/DequantizeLinear layer pairs only with another one: a quantized model has
// them where the float model has nothing, and their names ("T_QuantizeLinear") extend the float
// model's tensor names, which pass 2 would otherwise take for a converter's suffix.
// A body layer (an If branch's, a Loop body's) pairs only with one in the same scope.
bool compatible(const LayerProfile& a, const LayerProfile& b) {
  return is_quant_conversion(a.op_type) == is_quant_conversion(b.op_type) && a.scope == b.scope;
}

// A layer's original names inside its scope ("loop_0/body/mm"): names are unique only within a
// graph, and a body's may repeat the enclosing graph's.
std::vector<std::vector<std::string>> scoped_names(const std::vector<LayerProfile>& layers) {
  std::vector<std::vector<std::string>> out;
  for (const LayerProfile& l : layers) {
    out.emplace_back();
    for (const std::string& n : l.source_names) out.back().push_back(scoped_name(l.scope, n));
  }
  return out;
}

}  // namespace

bool is_converter_suffix_of(const std::string& name, const std::string& longer) {
  if (name.empty() || longer.size() < name.size() + 2 || longer.compare(0, name.size(), name) != 0) return false;
  if (longer[name.size()] != '_') return false;
  // A number after the '_' that stands alone or is followed by another '_' ("_1", "_1_rs") is
  // the source model's own node numbering, so the layer comes from another node; a number
  // glued to letters ("_2conv") is the converter's.
  size_t digits = 0;
  const size_t start = name.size() + 1;
  while (start + digits < longer.size() && std::isdigit(static_cast<unsigned char>(longer[start + digits]))) ++digits;
  return digits == 0 || (start + digits < longer.size() && longer[start + digits] != '_');
}

std::vector<LayerPair> match_layers(const std::vector<LayerProfile>& a, const std::vector<LayerProfile>& b) {
  const std::vector<std::vector<std::string>> names_a = scoped_names(a), names_b = scoped_names(b);
  std::vector<int> a_to_b(a.size(), -1), b_to_a(b.size(), -1);
  std::vector<std::string> how(a.size());
  auto pair_up = [&](size_t i, size_t j, const char* why) {
    a_to_b[i] = static_cast<int>(j);
    b_to_a[j] = static_cast<int>(i);
    how[i] = why;
  };

  // 1. A shared original node name; B's first layer carrying a name wins. A fused layer's names
  // come in order (the op first, then what it absorbed), so a float ConvRelu [Conv, Relu] pairs
  // with the int8 QLinearConv [Conv, Relu, Relu_output_0_QuantizeLinear] it became.
  std::unordered_map<std::string, size_t> b_by_name;
  for (size_t j = 0; j < b.size(); ++j)
    for (const std::string& n : names_b[j]) b_by_name.emplace(n, j);
  for (size_t i = 0; i < a.size(); ++i)
    for (const std::string& n : names_a[i]) {
      auto it = b_by_name.find(n);
      if (it != b_by_name.end() && b_to_a[it->second] < 0 && compatible(a[i], b[it->second])) {
        pair_up(i, it->second, "name");
        break;
      }
    }

  // 1b. A layer left over whose name belongs to a layer of the other report that pass 1 paired:
  // the other report fused it into that layer, so it joins that row (times summed).
  std::vector<std::vector<int>> more_a(a.size()), more_b(a.size());
  std::unordered_map<std::string, size_t> a_by_name;
  for (size_t i = 0; i < a.size(); ++i)
    for (const std::string& n : names_a[i]) a_by_name.emplace(n, i);
  for (size_t j = 0; j < b.size(); ++j) {
    if (b_to_a[j] >= 0) continue;
    for (const std::string& n : names_b[j]) {
      auto it = a_by_name.find(n);
      if (it == a_by_name.end() || a_to_b[it->second] < 0 || how[it->second] != "name" ||
          !compatible(a[it->second], b[j]))
        continue;
      more_b[it->second].push_back(static_cast<int>(j));
      b_to_a[j] = static_cast<int>(it->second);
      break;
    }
  }
  for (size_t i = 0; i < a.size(); ++i) {
    if (a_to_b[i] >= 0) continue;
    for (const std::string& n : names_a[i]) {
      auto it = b_by_name.find(n);
      if (it == b_by_name.end() || b_to_a[it->second] < 0) continue;
      const size_t row = static_cast<size_t>(b_to_a[it->second]);  // the A layer heading that B layer's row
      if (how[row] != "name" || !compatible(a[i], b[it->second])) continue;
      more_a[row].push_back(static_cast<int>(i));
      a_to_b[i] = -2;  // taken, as part of another row
      break;
    }
  }

  // 2. One name is the other plus a converter suffix; the longest common prefix pairs first.
  std::vector<std::tuple<size_t, size_t, size_t>> candidates;  // (prefix length, i, j)
  for (size_t i = 0; i < a.size(); ++i) {
    if (a_to_b[i] != -1) continue;
    for (size_t j = 0; j < b.size(); ++j) {
      if (b_to_a[j] >= 0 || !compatible(a[i], b[j])) continue;
      for (const std::string& na : names_a[i])
        for (const std::string& nb : names_b[j]) {
          if (is_converter_suffix_of(na, nb)) candidates.emplace_back(na.size(), i, j);
          else if (is_converter_suffix_of(nb, na)) candidates.emplace_back(nb.size(), i, j);
        }
    }
  }
  std::stable_sort(candidates.begin(), candidates.end(),
                   [](const auto& x, const auto& y) { return std::get<0>(x) > std::get<0>(y); });
  for (const auto& [len, i, j] : candidates)
    if (a_to_b[i] == -1 && b_to_a[j] < 0) pair_up(i, j, "name prefix");

  // 3. Same op type and shapes, paired in execution order.
  std::map<std::string, std::deque<size_t>> b_by_shape;
  for (size_t j = 0; j < b.size(); ++j)
    if (b_to_a[j] < 0) b_by_shape[shape_key(b[j])].push_back(j);
  for (size_t i = 0; i < a.size(); ++i) {
    if (a_to_b[i] != -1) continue;
    auto it = b_by_shape.find(shape_key(a[i]));
    if (it == b_by_shape.end() || it->second.empty()) continue;
    pair_up(i, it->second.front(), "op + shapes");
    it->second.pop_front();
  }

  std::vector<LayerPair> out;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a_to_b[i] == -2) continue;  // in another row's more_a
    out.push_back({static_cast<int>(i), a_to_b[i], more_a[i], more_b[i], how[i]});
  }
  for (size_t j = 0; j < b.size(); ++j)
    if (b_to_a[j] < 0) out.push_back({-1, static_cast<int>(j), {}, {}, ""});
  return out;
}

}  // namespace layerscope::compare
