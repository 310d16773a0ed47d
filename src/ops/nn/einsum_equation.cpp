#include "ops/nn/einsum_equation.h"

#include <algorithm>

#include "ir/error.h"
#include "layerscope/printable.h"
#include "ops/op_utils.h"

namespace layerscope {
namespace {

// One term of the equation as written: the letters before and after its '...', if any.
struct Term {
  std::vector<int> before, after;
  bool ellipsis = false;
  std::string text;  // as written, spaces dropped, for messages
  size_t letters() const { return before.size() + after.size(); }
};

struct ParsedEquation {
  std::vector<Term> inputs;
  bool explicit_output = false;
  Term output;
};

int letter_label(char c) { return c >= 'A' && c <= 'Z' ? c - 'A' : 26 + (c - 'a'); }
bool is_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

class EquationError {
 public:
  EquationError(const Node& node, const std::string& eq) : node_(node), eq_(eq) {}
  template <typename... A>
  [[noreturn]] void operator()(const A&... parts) const {
    fail(Graph::describe(node_), ": equation '", printable(eq_), "' ", parts...);
  }

 private:
  const Node& node_;
  const std::string& eq_;
};

ParsedEquation parse(const std::string& eq, const EquationError& err) {
  ParsedEquation p;
  p.inputs.emplace_back();
  Term* term = &p.inputs.back();
  for (size_t i = 0; i < eq.size(); ++i) {
    const char c = eq[i];
    if (c == ' ') continue;
    if (is_letter(c)) {
      (term->ellipsis ? term->after : term->before).push_back(letter_label(c));
      term->text += c;
    } else if (c == '.') {
      if (eq.compare(i, 3, "...") != 0) err("has a '.' at position ", i, " that is not part of '...'");
      if (term->ellipsis) err("has a second '...' in one term at position ", i, "; a term may have one");
      term->ellipsis = true;
      term->text += "...";
      i += 2;
    } else if (c == ',') {
      if (p.explicit_output) err("has a ',' after '->' at position ", i, "; the output is a single term");
      p.inputs.emplace_back();
      term = &p.inputs.back();
    } else if (c == '-') {
      if (i + 1 >= eq.size() || eq[i + 1] != '>') err("has a '-' at position ", i, " that is not part of '->'");
      if (p.explicit_output) err("has a second '->' at position ", i);
      p.explicit_output = true;
      term = &p.output;
      ++i;
    } else {
      err("has the character '", printable(std::string(1, c)), "' at position ", i,
          "; expected letters a-z and A-Z, ',', '...', '->' and spaces");
    }
  }
  return p;
}

std::string term_name(const Term& t) { return "'" + t.text + "'"; }

}  // namespace

std::string einsum_label_name(int label) {
  if (label < 26) return std::string("'") + static_cast<char>('A' + label) + "'";
  if (label < kLetterLabels) return std::string("'") + static_cast<char>('a' + label - 26) + "'";
  return "'...' dim " + std::to_string(label - kEllipsisLabel0);
}

EinsumSpec einsum_spec(const Node& node, std::span<const Shape> shapes) {
  if (!node.attrs.has("equation")) fail(Graph::describe(node), ": attribute 'equation' is required");
  const std::string eq = node.attrs.get_string("equation", "");
  const EquationError err(node, eq);
  const ParsedEquation p = parse(eq, err);
  const int n = static_cast<int>(p.inputs.size());
  if (n != static_cast<int>(shapes.size()))
    err("has ", n, " operand term", n == 1 ? "" : "s", " (separated by ',') but the node has ", shapes.size(), " input",
        shapes.size() == 1 ? "" : "s");

  // How many dims '...' covers in each operand, and in all of them together (broadcast).
  std::vector<int> ellipsis_dims(n, 0);
  int ellipsis_rank = 0;
  for (int k = 0; k < n; ++k) {
    const Term& t = p.inputs[k];
    const int rank = static_cast<int>(shapes[k].size()), letters = static_cast<int>(t.letters());
    if (!t.ellipsis && rank != letters)
      err("names ", letters, " axes in operand ", k, " (", term_name(t), ") but input ", k, " has shape ",
          shape_to_string(shapes[k]), " (rank ", rank, ")");
    if (t.ellipsis && rank < letters)
      err("names ", letters, " axes besides '...' in operand ", k, " (", term_name(t), ") but input ", k, " has shape ",
          shape_to_string(shapes[k]), " (rank ", rank, ")");
    ellipsis_dims[k] = t.ellipsis ? rank - letters : 0;
    ellipsis_rank = std::max(ellipsis_rank, ellipsis_dims[k]);
  }

  EinsumSpec s;
  s.operand_shapes.assign(shapes.begin(), shapes.end());
  s.label_size.assign(kLetterLabels + ellipsis_rank, -1);
  std::vector<int> size_from(s.label_size.size(), -1);  // the operand that set label_size
  for (int k = 0; k < n; ++k) {
    const Term& t = p.inputs[k];
    std::vector<int>& labels = s.operand_labels.emplace_back(t.before);
    // '...' dims are right-aligned against the widest one (numpy broadcasting).
    for (int j = 0; j < ellipsis_dims[k]; ++j) labels.push_back(kEllipsisLabel0 + ellipsis_rank - ellipsis_dims[k] + j);
    labels.insert(labels.end(), t.after.begin(), t.after.end());
    for (size_t a = 0; a < labels.size(); ++a) {
      const int l = labels[a];
      const int64_t d = shapes[k][a];
      // A label repeated in one operand takes its diagonal: the axes must agree exactly.
      for (size_t b = 0; b < a; ++b)
        if (labels[b] == l && shapes[k][b] != d)
          err("repeats label ", einsum_label_name(l), " in operand ", k, " (", term_name(t),
              ") to take a diagonal, but input ", k, " has shape ", shape_to_string(shapes[k]), ": axes ", b, " and ",
              a, " differ in size");
      int64_t& size = s.label_size[l];
      if (size < 0 || (size == 1 && d != 1)) {  // first sight, or a size 1 stretched to d
        size = d;
        size_from[l] = k;
      } else if (d != size && d != 1) {
        const int o = size_from[l];
        err("gives label ", einsum_label_name(l), " size ", size, " in input ", o, " (shape ",
            shape_to_string(shapes[o]), ") but ", d, " in input ", k, " (shape ", shape_to_string(shapes[k]),
            "); sizes must be equal or 1 (broadcast)");
      }
    }
  }

  if (p.explicit_output) {
    const Term& t = p.output;
    if (!t.ellipsis && ellipsis_rank > 0)
      err("has an output without '...' while the inputs' '...' cover ", ellipsis_rank,
          " dims; write '...' in the output (or sum them out with explicit labels)");
    s.output_labels = t.before;
    if (t.ellipsis)
      for (int j = 0; j < ellipsis_rank; ++j) s.output_labels.push_back(kEllipsisLabel0 + j);
    s.output_labels.insert(s.output_labels.end(), t.after.begin(), t.after.end());
    for (size_t a = 0; a < s.output_labels.size(); ++a) {
      const int l = s.output_labels[a];
      if (!s.used(l)) err("has output label ", einsum_label_name(l), ", which no input term has");
      for (size_t b = 0; b < a; ++b)
        if (s.output_labels[b] == l) err("repeats output label ", einsum_label_name(l), "; each may appear once");
    }
  } else {
    // Implicit mode: the '...' dims, then every letter occurring exactly once, in ASCII order.
    for (int j = 0; j < ellipsis_rank; ++j) s.output_labels.push_back(kEllipsisLabel0 + j);
    std::vector<int> count(kLetterLabels, 0);
    for (const Term& t : p.inputs) {
      for (int l : t.before) ++count[l];
      for (int l : t.after) ++count[l];
    }
    for (int l = 0; l < kLetterLabels; ++l)
      if (count[l] == 1) s.output_labels.push_back(l);
  }
  return s;
}

bool EinsumSpec::in_output(int label) const {
  return std::find(output_labels.begin(), output_labels.end(), label) != output_labels.end();
}

bool EinsumSpec::in_operand(int k, int label) const {
  return std::find(operand_labels[k].begin(), operand_labels[k].end(), label) != operand_labels[k].end();
}

Shape EinsumSpec::output_shape() const {
  Shape out;
  for (int l : output_labels) out.push_back(label_size[l]);
  return out;
}

std::vector<int> EinsumSpec::summed_labels() const {
  std::vector<int> r;
  for (int l = 0; l < num_labels(); ++l)
    if (used(l) && !in_output(l)) r.push_back(l);
  return r;
}

std::vector<int64_t> EinsumSpec::label_strides(int k) const {
  std::vector<int64_t> r(label_size.size(), 0);
  const std::vector<int64_t> st = contiguous_strides(operand_shapes[k]);
  for (size_t a = 0; a < operand_labels[k].size(); ++a) {
    const int l = operand_labels[k][a];
    if (operand_shapes[k][a] == label_size[l]) r[l] += st[a];  // else size 1 broadcast: stride 0
  }
  return r;
}

bool EinsumSpec::plain_axes(int k) const {
  const std::vector<int>& labels = operand_labels[k];
  for (size_t a = 0; a < labels.size(); ++a) {
    if (operand_shapes[k][a] != label_size[labels[a]]) return false;
    for (size_t b = 0; b < a; ++b)
      if (labels[b] == labels[a]) return false;
  }
  return true;
}

double EinsumSpec::index_space() const {
  double r = 1;
  for (int64_t s : label_size)
    if (s >= 0) r *= static_cast<double>(s);
  return r;
}

}  // namespace layerscope
