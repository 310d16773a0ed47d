#include "onnx/model_loader.h"

#include <fcntl.h>
#include <google/protobuf/io/zero_copy_stream_impl.h>
#include <onnx/onnx_pb.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <unordered_map>
#include <unordered_set>

#include "ir/error.h"
#include "layerscope/printable.h"
#include "onnx/tensor_proto.h"

namespace layerscope {
namespace fs = std::filesystem;

namespace {

constexpr const char* kNotParsed =
    "' is not a valid ONNX model: the protobuf could not be parsed (truncated or corrupt file?)";

std::string normal_domain(const std::string& d) { return d == "ai.onnx" ? "" : d; }

AttrValue decode_type_attribute(const onnx::AttributeProto& a, const std::string& ctx);

AttrValue decode_attribute(const onnx::AttributeProto& a, const std::string& model_dir, const std::string& ctx) {
  using A = onnx::AttributeProto;
  switch (a.type()) {
    case A::INT: return static_cast<int64_t>(a.i());
    case A::FLOAT: return a.f();
    case A::STRING: return a.s();
    case A::INTS: return std::vector<int64_t>(a.ints().begin(), a.ints().end());
    case A::FLOATS: return std::vector<float>(a.floats().begin(), a.floats().end());
    case A::STRINGS: return std::vector<std::string>(a.strings().begin(), a.strings().end());
    case A::TENSOR: return tensor_from_proto(a.t(), model_dir, ctx + " attribute '" + a.name() + "'");
    case A::GRAPHS: return GraphAttr{};  // no supported op takes one (the planner refuses it)
    case A::TYPE_PROTO: return decode_type_attribute(a, ctx);
    default: break;
  }
  // Pre-IR-3 files may leave `type` unset; infer it from the populated field.
  if (a.has_i()) return static_cast<int64_t>(a.i());
  if (a.has_f()) return a.f();
  if (a.has_s()) return a.s();
  if (a.ints_size()) return std::vector<int64_t>(a.ints().begin(), a.ints().end());
  if (a.floats_size()) return std::vector<float>(a.floats().begin(), a.floats().end());
  fail_with(StatusCode::kUnsupported, ctx, ": attribute '", a.name(), "' has unsupported type ",
            static_cast<int>(a.type()));
}

// The value type a TypeProto declares (tensor, seq(tensor), optional(tensor or seq(tensor))) and
// its tensor part (nullptr when the element type is left out, as in `seq(tensor)` with no
// elem_type); false for any other type (maps, sparse tensors, sequences of sequences).
bool decode_type(const onnx::TypeProto& t, ValueType* type, const onnx::TypeProto::Tensor** tensor) {
  *type = ValueType{};
  const onnx::TypeProto* inner = &t;
  if (inner->has_optional_type()) {
    inner = &inner->optional_type().elem_type();
    type->kind = ValueKind::Optional;
    type->held = inner->has_sequence_type() ? ValueKind::Sequence : ValueKind::Tensor;
  }
  if (inner->has_sequence_type()) {
    inner = &inner->sequence_type().elem_type();
    if (type->kind == ValueKind::Tensor) type->kind = ValueKind::Sequence;
  }
  if (inner->has_tensor_type()) {
    *tensor = &inner->tensor_type();
    return true;
  }
  *tensor = nullptr;
  return inner->value_case() == onnx::TypeProto::VALUE_NOT_SET && type->kind != ValueKind::Tensor;
}

AttrValue decode_type_attribute(const onnx::AttributeProto& a, const std::string& ctx) {
  ValueType type;
  const onnx::TypeProto::Tensor* tensor = nullptr;
  if (!decode_type(a.tp(), &type, &tensor))
    fail_with(StatusCode::kUnsupported, ctx, ": attribute '", a.name(),
              "' is a type other than a tensor, a sequence of tensors or an optional of those");
  return TypeAttr{type, tensor ? dtype_from_onnx(tensor->elem_type()) : DType::Undefined};
}

// A declared dim is a size >= 0, a symbol, or unknown. A graph input's negative size is an
// error, never quietly read as "unknown" (its shape decides what gets allocated); elsewhere
// (value_info, outputs: hints only) a negative size counts as unknown. A sequence or optional
// declares its type (and its tensors' element type); a graph input or output of any other
// non-tensor type (a map, a sequence of sequences) is refused, naming it.
void set_declared(Value& v, const onnx::ValueInfoProto& info, const std::string& path, bool is_input) {
  if (!info.has_type() || info.type().value_case() == onnx::TypeProto::VALUE_NOT_SET) return;
  ValueType type;
  const onnx::TypeProto::Tensor* tt = nullptr;
  if (!decode_type(info.type(), &type, &tt)) {
    if (!is_input) return;  // a hint only; the node that makes the value decides
    fail_with(StatusCode::kUnsupported, "'", path, "': '", info.name(),
              "' is declared with a type layerscope does not run (only tensors, sequences of tensors and "
              "optionals of those; not maps, sparse tensors or sequences of sequences)");
  }
  v.type = type;
  if (!tt) return;
  if (tt->elem_type()) v.dtype = dtype_from_onnx(tt->elem_type());
  if (!type.is_tensor()) return;  // a sequence's tensors may differ in shape
  if (!tt->has_shape()) return;
  std::vector<DeclaredDim> dims;
  for (const auto& d : tt->shape().dim()) {
    DeclaredDim dd;
    if (d.has_dim_value() && (is_input || d.dim_value() >= 0)) {
      LS_CHECK(d.dim_value() >= 0, "'", path, "': '", info.name(), "' (graph input) declares dimension ", dims.size(),
               " as ", d.dim_value(), "; a dimension must be >= 0 or symbolic");
      dd.size = d.dim_value();
    } else if (d.has_dim_param()) dd.symbol = d.dim_param();
    dims.push_back(dd);
  }
  v.declared_shape = std::move(dims);
}

// The Constant attribute's value as type T; a file may give any attribute any type.
template <typename T>
const T& constant_attr(const std::string& ctx, const std::string& name, const AttrValue& v, const char* expected) {
  const T* p = std::get_if<T>(&v);
  LS_CHECK(p, ctx, ": Constant attribute '", name, "' must be ", expected);
  return *p;
}

// Turns a Constant node's attribute into its value.
// `ctx` names the file and the node.
Tensor constant_node_value(const Node& n, const std::string& ctx) {
  const auto& attrs = n.attrs.all();
  LS_CHECK(attrs.size() == 1, ctx, ": expected exactly one value attribute");
  const auto& [name, v] = *attrs.begin();
  if (name == "value") return constant_attr<Tensor>(ctx, name, v, "a tensor");
  if (name == "value_float") {
    Tensor t(DType::F32, {});
    *t.data_as<float>() = constant_attr<float>(ctx, name, v, "a float");
    return t;
  }
  if (name == "value_floats") {
    const auto& f = constant_attr<std::vector<float>>(ctx, name, v, "a list of floats");
    Tensor t(DType::F32, {static_cast<int64_t>(f.size())});
    std::copy(f.begin(), f.end(), t.data_as<float>());
    return t;
  }
  if (name == "value_int") {
    Tensor t(DType::I64, {});
    *t.data_as<int64_t>() = constant_attr<int64_t>(ctx, name, v, "an integer");
    return t;
  }
  if (name == "value_ints") {
    const auto& f = constant_attr<std::vector<int64_t>>(ctx, name, v, "a list of integers");
    Tensor t(DType::I64, {static_cast<int64_t>(f.size())});
    std::copy(f.begin(), f.end(), t.data_as<int64_t>());
    return t;
  }
  fail_with(StatusCode::kUnsupported, ctx, ": Constant attribute '", name,
            "' is not supported (string or sparse constants)");
}

// What every graph of one file shares: where it is, its opsets and IR version.
struct FileContext {
  std::string path;
  std::string model_dir;
  std::map<std::string, int> opsets;
  int64_t ir_version = 0;
  int64_t file_bytes = 0;
};

// The names one graph defines (inputs, initializers, node outputs) and the scope it sits in:
// a body reads the values of its enclosing graphs by name, innermost first (ONNX scoping).
struct Scope {
  std::unordered_set<std::string> defined;
  const Scope* outer = nullptr;
  bool resolves(const std::string& name) const {
    for (const Scope* s = this; s; s = s->outer)
      if (s->defined.count(name)) return true;
    return false;
  }
};

// A decoded graph and, for a body, the outer-scope names it reads (first use first).
struct DecodedGraph {
  Graph graph;
  std::vector<std::string> captures;
};

DecodedGraph decode_graph(onnx::GraphProto& g, const FileContext& file, const Scope* outer, const std::string& where);

// Builds the IR of one graph: the model's, or (with `outer`) a body. `where` begins every
// message: "'model.onnx': " for the model's graph, plus "<node>: attribute 'body': " per body.
// Initializer payloads are released from `g` as soon as they are converted, so the weights are
// never held twice (peak memory while loading stays close to one copy of the weights).
DecodedGraph decode_graph(onnx::GraphProto& g, const FileContext& file, const Scope* outer, const std::string& where) {
  const std::string& path = file.path;
  DecodedGraph out;
  Graph& graph = out.graph;
  graph.name = g.name();
  graph.model_path = path;
  graph.model_file_bytes = file.file_bytes;
  graph.ir_version = file.ir_version;

  Scope scope;
  scope.outer = outer;
  for (const auto& init : g.initializer()) scope.defined.insert(init.name());
  for (const auto& in : g.input()) scope.defined.insert(in.name());
  for (const auto& np : g.node())
    for (const auto& o : np.output())
      if (!o.empty()) scope.defined.insert(o);

  std::unordered_map<std::string, int> by_name;
  auto value_id = [&](const std::string& name) {
    auto it = by_name.find(name);
    if (it != by_name.end()) return it->second;
    int id = graph.add_value(name);
    by_name[name] = id;
    return id;
  };
  // A name read by a node or listed as an output: this graph's value, or (in a body) an
  // enclosing graph's, captured. The model's graph leaves an unknown name to the planner, which
  // names the node reading it; a body cannot, so it fails here.
  auto read = [&](const std::string& name, const std::string& reader) {
    if (outer && !scope.defined.count(name)) {
      LS_CHECK(outer->resolves(name), where, reader, " reads '", printable(name),
               "', which neither this graph nor any enclosing graph defines");
      if (std::find(out.captures.begin(), out.captures.end(), name) == out.captures.end()) out.captures.push_back(name);
    }
    return value_id(name);
  };

  for (onnx::TensorProto& init : *g.mutable_initializer()) {
    int id = value_id(init.name());
    Value& v = graph.values[id];
    v.constant = tensor_from_proto(init, file.model_dir, where + "initializer '" + init.name() + "'");
    v.dtype = v.constant->dtype();
    onnx::TensorProto released;  // takes the payload and frees it at the end of the scope
    released.Swap(&init);
  }
  LS_CHECK(g.sparse_initializer_size() == 0, where, "sparse initializers are not supported");

  for (const auto& in : g.input()) {
    int id = value_id(in.name());
    Value& v = graph.values[id];
    if (v.constant) {
      // IR < 4 lists every initializer as an input too: weights, not inputs. From IR 4 on, an
      // initializer listed as an input is an input with a default value.
      if (graph.ir_version < 4) continue;
      const DType init_dtype = v.dtype;
      set_declared(v, in, path, true);
      LS_CHECK(v.dtype == init_dtype, where, "graph input '", printable(in.name()), "' is declared ",
               dtype_name(v.dtype), " but its initializer (the default value) is ", dtype_name(init_dtype));
      if (v.declared_shape) {
        const Shape& s = v.constant->shape();
        bool fits = v.declared_shape->size() == s.size();
        for (size_t k = 0; fits && k < s.size(); ++k)
          fits = (*v.declared_shape)[k].size < 0 || (*v.declared_shape)[k].size == s[k];
        LS_CHECK(fits, where, "graph input '", printable(in.name()),
                 "' is declared with a shape its "
                 "initializer (the default value, ",
                 shape_to_string(s), ") does not have");
      }
      graph.default_inputs.push_back(id);
      continue;
    }
    set_declared(v, in, path, true);
    // A body's inputs may leave their type to the node that runs it (Loop's carried values).
    LS_CHECK(outer || v.dtype != DType::Undefined, where, "graph input '", in.name(),
             "' has no tensor type or an unsupported element type");
    graph.inputs.push_back(id);
  }
  for (const auto& vi : g.value_info()) set_declared(graph.values[value_id(vi.name())], vi, path, false);

  int index = 0;
  for (onnx::NodeProto& np : *g.mutable_node()) {
    Node n;
    n.op_type = np.op_type();
    n.domain = normal_domain(np.domain());
    n.name = np.name().empty() ? n.op_type + "_" + std::to_string(index) : np.name();
    ++index;
    auto op = file.opsets.find(n.domain);
    LS_CHECK(op != file.opsets.end(), where, "node '", n.name, "' (", n.op_type, ") uses domain '", n.domain,
             "' which the model does not import");
    n.opset = op->second;
    const std::string ctx = where + Graph::describe(n);
    // Bodies first: the outer values they read become the node's implicit inputs, and every
    // body of the node lists all of them as its last inputs, in one order.
    std::vector<std::string> captures;
    std::vector<std::pair<std::string, DecodedGraph>> bodies;
    for (onnx::AttributeProto& a : *np.mutable_attribute()) {
      if (a.type() != onnx::AttributeProto::GRAPH) {
        n.attrs.set(a.name(), decode_attribute(a, file.model_dir, ctx));
        continue;
      }
      DecodedGraph body = decode_graph(*a.mutable_g(), file, &scope, ctx + ": attribute '" + a.name() + "': ");
      for (const std::string& c : body.captures)
        if (std::find(captures.begin(), captures.end(), c) == captures.end()) captures.push_back(c);
      bodies.emplace_back(a.name(), std::move(body));
    }
    for (auto& [name, body] : bodies) {
      for (const std::string& c : captures) {
        const auto it = std::find_if(body.graph.values.begin(), body.graph.values.end(),
                                     [&](const Value& v) { return v.name == c; });
        int id = static_cast<int>(it - body.graph.values.begin());
        if (it == body.graph.values.end()) id = body.graph.add_value(c);
        body.graph.inputs.push_back(id);
      }
      n.attrs.set(name, GraphAttr{std::make_shared<const Graph>(std::move(body.graph))});
    }
    for (const auto& name : np.input()) n.inputs.push_back(name.empty() ? -1 : read(name, Graph::describe(n)));
    for (const std::string& c : captures) n.inputs.push_back(read(c, Graph::describe(n)));
    n.implicit_inputs = static_cast<int>(captures.size());
    for (const auto& name : np.output()) n.outputs.push_back(name.empty() ? -1 : value_id(name));
    n.source_names = {n.name};
    if (n.op_type == "Constant" && n.domain.empty()) {
      LS_CHECK(n.outputs.size() == 1 && n.outputs[0] >= 0, ctx, ": expected one output");
      Value& v = graph.values[n.outputs[0]];
      v.constant = constant_node_value(n, ctx);
      v.dtype = v.constant->dtype();
      continue;
    }
    graph.nodes.push_back(std::move(n));
  }
  for (const auto& o : g.output()) {
    int id;
    if (outer) {
      id = read(o.name(), "graph output");
    } else {
      auto it = by_name.find(o.name());
      LS_CHECK(it != by_name.end(), where, "graph output '", o.name(), "' is produced by no node");
      id = it->second;
    }
    set_declared(graph.values[id], o, path, false);
    graph.outputs.push_back(id);
  }
  return out;
}

Graph graph_from_model(onnx::ModelProto& model, const std::string& path, int64_t file_bytes) {
  LS_CHECK(model.has_graph(), "'", path, "' has no graph: not an ONNX model, or a corrupt one");
  if (model.ir_version() < kMinIrVersion || model.ir_version() > kMaxIrVersion)
    fail_with(StatusCode::kUnsupported, "'", path, "' has IR version ", model.ir_version(),
              "; supported IR versions are ", kMinIrVersion, " to ", kMaxIrVersion);
  FileContext file;
  file.path = path;
  file.model_dir = fs::path(path).parent_path().string();
  file.ir_version = model.ir_version();
  file.file_bytes = file_bytes;
  for (const auto& o : model.opset_import()) file.opsets[normal_domain(o.domain())] = static_cast<int>(o.version());
  LS_CHECK(file.opsets.count(""), "'", path, "' imports no ai.onnx opset");
  return decode_graph(*model.mutable_graph(), file, nullptr, "'" + path + "': ").graph;
}

}  // namespace

Graph parse_onnx_model(const std::string& bytes, const std::string& path) {
  LS_CHECK(!bytes.empty(), "'", path, "' is empty; expected an ONNX model (protobuf ModelProto)");
  onnx::ModelProto model;
  LS_CHECK(model.ParseFromString(bytes), "'", path, kNotParsed);
  return graph_from_model(model, path, static_cast<int64_t>(bytes.size()));
}

Graph load_onnx_model(const std::string& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) fail_with(StatusCode::kIoError, "model file '", path, "' does not exist");
  if (!fs::is_regular_file(path, ec)) fail_with(StatusCode::kIoError, "model path '", path, "' is not a regular file");
  const auto size = fs::file_size(path, ec);
  if (ec) fail_with(StatusCode::kIoError, "cannot read the size of model file '", path, "': ", ec.message());
  LS_CHECK(size > 0, "'", path, "' is empty; expected an ONNX model (protobuf ModelProto)");
  // Parsed straight from the file: no second in-memory copy of the bytes.
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail_with(StatusCode::kIoError, "cannot open model file '", path, "': ", std::strerror(errno));
  onnx::ModelProto model;
  bool parsed;
  {
    google::protobuf::io::FileInputStream stream(fd);
    parsed = model.ParseFromZeroCopyStream(&stream);
  }
  ::close(fd);
  LS_CHECK(parsed, "'", path, kNotParsed);
  return graph_from_model(model, path, static_cast<int64_t>(size));
}

}  // namespace layerscope
