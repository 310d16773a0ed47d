#include "accuracy/quant_graph.h"

#include <onnx/onnx_pb.h>

#include "ir/error.h"
#include "layerscope/printable.h"
#include "onnx/tensor_proto.h"

namespace layerscope::accuracy {

namespace {

const std::string kQSuffix = "_QuantizeLinear_Output";
const std::string kDqSuffix = "_DequantizeLinear_Output";

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() > tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

}  // namespace

std::string strip_qdq_suffix(const std::string& name) {
  if (ends_with(name, kQSuffix)) return name.substr(0, name.size() - kQSuffix.size());
  if (ends_with(name, kDqSuffix)) return name.substr(0, name.size() - kDqSuffix.size());
  return name;
}

QuantGraph::~QuantGraph() = default;

QuantGraph::QuantGraph(const std::string& bytes, const std::string& path)
    : model_(std::make_unique<onnx::ModelProto>()), path_(path) {
  LS_CHECK(model_->ParseFromString(bytes) && model_->has_graph(), "'", path, "' is not a readable ONNX model");
  const onnx::GraphProto& g = model_->graph();
  for (int i = 0; i < g.initializer_size(); ++i) {
    initializer_[g.initializer(i).name()] = i;
    constants_.insert(g.initializer(i).name());
  }
  for (const auto& in : g.input())
    if (!initializer_.count(in.name())) graph_inputs_.insert(in.name());
  // ONNX requires topological node order, so one pass settles which values are constant: the
  // outputs of a node whose inputs all are (Constant nodes, DequantizeLinear of int8 weights).
  for (int i = 0; i < g.node_size(); ++i) {
    const onnx::NodeProto& n = g.node(i);
    names_.push_back(n.name().empty() ? n.op_type() + "_" + std::to_string(i) : n.name());
    bool constant = true;
    for (const std::string& in : n.input()) {
      if (in.empty()) continue;
      consumers_[in].push_back(i);
      if (!constants_.count(in)) constant = false;
    }
    for (const std::string& out : n.output()) {
      if (out.empty()) continue;
      producer_[out] = i;
      if (constant) constants_.insert(out);
    }
  }
  auto is_op = [&](int node, const char* op) { return node >= 0 && g.node(node).op_type() == op; };
  for (int i = 0; i < g.node_size(); ++i) {
    const onnx::NodeProto& n = g.node(i);
    if (n.op_type() == "QuantizeLinear" || n.op_type() == "DequantizeLinear" || n.output_size() == 0) continue;
    if (n.output(0).empty() || constants_.count(n.output(0))) continue;
    QuantLayer layer{i, names_[i], n.op_type(), n.output(0), n.output(0)};
    for (int reader : consumers_[n.output(0)]) {
      if (!is_op(reader, "QuantizeLinear") || g.node(reader).input(0) != n.output(0)) continue;
      for (int dq : consumers_[g.node(reader).output(0)])
        if (is_op(dq, "DequantizeLinear")) {
          layer.out_q = reader;
          layer.out_dq = dq;
          layer.reported = g.node(dq).output(0);
          break;
        }
      if (layer.out_q >= 0) break;
    }
    bool reads_dequantized = false;
    for (const std::string& in : n.input())
      if (!in.empty() && is_op(producer(in), "DequantizeLinear")) reads_dequantized = true;
    if (reads_dequantized || layer.out_q >= 0) layers_.push_back(layer);
  }
}

const std::string& QuantGraph::op_type(int node) const { return model_->graph().node(node).op_type(); }

std::vector<std::string> QuantGraph::node_outputs(int node) const {
  const auto& outs = model_->graph().node(node).output();
  return {outs.begin(), outs.end()};
}

int QuantGraph::producer(const std::string& value) const {
  auto it = producer_.find(value);
  return it == producer_.end() ? -1 : it->second;
}

bool QuantGraph::reads_dequantized(const QuantLayer& layer) const {
  for (const std::string& in : model_->graph().node(layer.node).input()) {
    const int p = in.empty() ? -1 : producer(in);
    if (p >= 0 && model_->graph().node(p).op_type() == "DequantizeLinear") return true;
  }
  return false;
}

std::string QuantGraph::activation_behind(const std::string& dq_output) const {
  const onnx::GraphProto& g = model_->graph();
  const int dq = producer(dq_output);
  if (dq < 0 || g.node(dq).op_type() != "DequantizeLinear" || g.node(dq).input_size() == 0) return "";
  const int q = producer(g.node(dq).input(0));
  if (q < 0 || g.node(q).op_type() != "QuantizeLinear" || g.node(q).input_size() == 0) return "";
  const std::string& t = g.node(q).input(0);
  return constants_.count(t) ? "" : t;
}

std::string QuantGraph::single_layer_model(const QuantLayer& layer,
                                           const std::function<std::string(const std::string&)>& float_name,
                                           const std::function<bool(const std::string&, DType*, Shape*)>& describe,
                                           std::vector<SubModelInput>* inputs, std::string* why) const {
  const onnx::GraphProto& g = model_->graph();
  std::set<int> nodes;
  std::set<std::string> inits, input_names;
  inputs->clear();
  // A constant value and everything it is computed from.
  std::function<void(const std::string&)> constant = [&](const std::string& v) {
    if (v.empty()) return;
    if (initializer_.count(v)) {
      inits.insert(v);
      return;
    }
    const int p = producer(v);
    if (p < 0 || !nodes.insert(p).second) return;
    for (const std::string& in : g.node(p).input()) constant(in);
  };
  auto with_params = [&](int node) {  // a Q/DQ node and its scale / zero point
    nodes.insert(node);
    for (int k = 1; k < g.node(node).input_size(); ++k) constant(g.node(node).input(k));
  };
  auto add_input = [&](const std::string& name) -> bool {
    if (!input_names.insert(name).second) return true;
    const std::string f = float_name(name);
    if (f.empty()) {
      *why = "the float model has no tensor matching its input '" + printable(name) + "'";
      return false;
    }
    inputs->push_back({name, f});
    return true;
  };
  const onnx::NodeProto& n = g.node(layer.node);
  for (const std::string& in : n.input()) {
    if (in.empty()) continue;
    if (constants_.count(in)) {
      constant(in);
      continue;
    }
    const std::string t = activation_behind(in);
    if (!t.empty()) {
      const int dq = producer(in);
      with_params(dq);
      with_params(producer(g.node(dq).input(0)));
      if (!add_input(t)) return "";
    } else if (!add_input(in)) {
      return "";
    }
  }
  nodes.insert(layer.node);
  if (layer.out_q >= 0) {
    with_params(layer.out_q);
    with_params(layer.out_dq);
  }

  onnx::ModelProto sub;
  sub.set_ir_version(model_->ir_version());
  *sub.mutable_opset_import() = model_->opset_import();
  onnx::GraphProto* sg = sub.mutable_graph();
  sg->set_name("layer");
  for (int i : nodes) *sg->add_node() = g.node(i);  // std::set: the model's (topological) order
  for (const std::string& name : inits) *sg->add_initializer() = g.initializer(initializer_.at(name));
  for (const SubModelInput& in : *inputs) {
    DType dtype = DType::Undefined;
    Shape shape;
    if (!describe(in.float_name, &dtype, &shape)) {
      *why = "the float model did not compute its input '" + printable(in.float_name) + "' at run time";
      return "";
    }
    onnx::ValueInfoProto* vi = sg->add_input();
    vi->set_name(in.name);
    auto* tt = vi->mutable_type()->mutable_tensor_type();
    tt->set_elem_type(static_cast<int>(dtype));
    for (int64_t d : shape) tt->mutable_shape()->add_dim()->set_dim_value(d);
  }
  onnx::ValueInfoProto* out = sg->add_output();
  out->set_name(layer.reported);
  out->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::FLOAT);
  std::string bytes;
  LS_CHECK(sub.SerializeToString(&bytes), "cannot serialize the single-layer model of node '", printable(layer.name),
           "' of '", path_, "'");
  return bytes;
}

std::string QuantGraph::keep_float_model(const std::set<int>& kept,
                                         const std::function<Tensor(const std::string&)>& float_weight,
                                         std::vector<std::string>* notes) const {
  onnx::ModelProto m = *model_;
  onnx::GraphProto* g = m.mutable_graph();
  std::set<std::string> taken;
  for (const auto& [name, i] : producer_) taken.insert(name);
  for (const auto& [name, i] : initializer_) taken.insert(name);
  taken.insert(graph_inputs_.begin(), graph_inputs_.end());
  std::map<std::string, std::string> added;  // float weight name -> initializer name in `m`
  for (int index : kept) {
    const QuantLayer& layer = layers_.at(index);
    onnx::NodeProto* n = g->mutable_node(layer.node);
    for (int slot = 0; slot < n->input_size(); ++slot) {
      const std::string x = n->input(slot);
      const int p = producer(x);
      if (p < 0 || g->node(p).op_type() != "DequantizeLinear") continue;
      const std::string t = activation_behind(x);
      if (!t.empty()) {
        n->set_input(slot, t);
        continue;
      }
      // A dequantized constant (int8 weight, int32 bias): W_DequantizeLinear_Output -> W, and
      // a bias DequantizeLinear writes the float bias's own name.
      const std::string w = strip_qdq_suffix(x);
      auto it = added.find(w);
      if (it == added.end()) {
        Tensor value = float_weight(w);
        if (value.empty()) {
          notes->push_back("layer '" + printable(layer.name) + "': the float model has no initializer '" +
                           printable(w) + "', so the kept-float layer reads the dequantized int8 value");
          continue;
        }
        std::string name = w + "_float";
        for (int k = 2; taken.count(name); ++k) name = w + "_float" + std::to_string(k);
        taken.insert(name);
        *g->add_initializer() = tensor_to_proto(name, value);
        it = added.emplace(w, name).first;
      }
      n->set_input(slot, it->second);
    }
  }
  std::string bytes;
  LS_CHECK(m.SerializeToString(&bytes), "cannot serialize the keep-float model of '", path_, "'");
  return bytes;
}

}  // namespace layerscope::accuracy
