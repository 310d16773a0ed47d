#include "quant/qdq_model.h"

#include <onnx/onnx_pb.h>

#include <algorithm>
#include <climits>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "ir/error.h"
#include "layerscope/printable.h"
#include "onnx/tensor_proto.h"
#include "quant/quant_params.h"

namespace fs = std::filesystem;

namespace layerscope::quant {

namespace {

// Ops whose inputs are dequantized (docs/quantize.md has the reasons). Weighted ops read a
// constant weight (and bias) quantized to int8 (int32); the others read activations only.
const std::set<std::string> kWeightedOps = {"Conv", "ConvTranspose", "Gemm", "MatMul"};
const std::set<std::string> kMultiInputOps = {"Add", "Mul", "Concat"};
const std::set<std::string> kUnaryOps = {"Relu",    "Clip",    "LeakyRelu",   "Sigmoid",
                                         "Softmax", "MaxPool", "AveragePool", "GlobalAveragePool"};
// An activation a Conv / MatMul / Gemm / Add feeds alone is applied before the output is
// quantized (the int8 layer absorbs it), so no Q/DQ pair sits between them.
const std::set<std::string> kAbsorbedActivations = {"Relu", "Clip"};
const std::set<std::string> kAbsorbingOps = {"Conv", "ConvTranspose", "Gemm", "MatMul", "Add"};
// Already-quantized models are refused: quantizing twice is never what was meant.
const std::set<std::string> kQuantizedOps = {"QuantizeLinear", "DequantizeLinear", "DynamicQuantizeLinear",
                                             "QLinearConv",    "QLinearMatMul",    "ConvInteger",
                                             "MatMulInteger"};
// Ops whose definition is the same at opset 13 as at 10/11/12 but for the types they accept:
// a model made only of them may have its opset raised to 13 (per-axis DequantizeLinear).
// Clip and Pad changed at 11 (attributes became inputs): safe only from 11 on.
const std::set<std::string> kSameUpTo13 = {"Conv",      "ConvTranspose", "Relu",
                                           "LeakyRelu", "Sigmoid",       "Tanh",
                                           "Add",       "Sub",           "Mul",
                                           "Div",       "MatMul",        "Gemm",
                                           "MaxPool",   "AveragePool",   "GlobalAveragePool",
                                           "Flatten",   "Concat",        "Transpose",
                                           "Reshape",   "Identity",      "BatchNormalization",
                                           "Gather",    "Shape",         "Cast",
                                           "Exp",       "Sqrt",          "Constant",
                                           "Dropout"};
const std::set<std::string> kSameFrom11 = {"Clip", "Pad"};

constexpr int kPerAxisOpset = 13;  // DequantizeLinear's axis attribute
constexpr int kQdqOpset = 10;      // QuantizeLinear / DequantizeLinear exist

std::string node_name(const onnx::NodeProto& n, int index) {
  // As the loader names unnamed nodes (src/onnx/model_loader.cpp), so reports and this agree.
  return n.name().empty() ? n.op_type() + "_" + std::to_string(index) : n.name();
}

Tensor scalar_or_vector(DType dtype, const std::vector<float>& values, bool vector) {
  Tensor t(dtype, vector ? Shape{static_cast<int64_t>(values.size())} : Shape{});
  for (size_t i = 0; i < values.size() && (vector || i == 0); ++i) {
    if (dtype == DType::F32) t.data_as<float>()[i] = values[i];
  }
  return t;  // integer zero points stay zero-filled
}

}  // namespace

struct QdqModel::Graph {
  std::string model_dir;
  std::vector<std::string> names;                                     // node names (or op_index)
  std::map<std::string, int> producer;                                // tensor -> node
  std::map<std::string, std::vector<std::pair<int, int>>> consumers;  // tensor -> (node, input slot)
  std::map<std::string, const onnx::TensorProto*> constants;          // initializers and Constant outputs
  std::set<std::string> graph_inputs, graph_outputs, used_names;
  std::vector<bool> kept, candidate;
  int opset = 0;
  bool raise_opset = false;

  bool is_constant(const std::string& t) const { return constants.count(t) != 0; }
  Tensor constant(const std::string& t, const std::string& path) const {
    return tensor_from_proto(*constants.at(t), model_dir, "constant '" + t + "' in '" + path + "'");
  }
  std::string unique(const std::string& base) {
    std::string n = base;
    for (int k = 1; used_names.count(n); ++k) n = base + "_" + std::to_string(k);
    used_names.insert(n);
    return n;
  }
};

QdqModel::QdqModel(const std::string& path, const QdqOptions& options)
    : path_(path), options_(options), model_(std::make_unique<onnx::ModelProto>()), graph_(std::make_unique<Graph>()) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail_with(StatusCode::kIoError, "cannot open model file '", path, "'");
  std::stringstream bytes;
  bytes << in.rdbuf();
  LS_CHECK(model_->ParseFromString(bytes.str()) && model_->has_graph(), "'", path,
           "' is not a valid ONNX model: the protobuf could not be parsed");
  Graph& g = *graph_;
  g.model_dir = fs::path(path).parent_path().string();
  for (const auto& o : model_->opset_import())
    if (o.domain().empty() || o.domain() == "ai.onnx") g.opset = static_cast<int>(o.version());
  const onnx::GraphProto& gp = model_->graph();

  std::set<std::string> blocking;  // ops that forbid raising the opset to 13
  for (int i = 0; i < gp.node_size(); ++i) {
    const onnx::NodeProto& n = gp.node(i);
    const bool onnx_domain = n.domain().empty() || n.domain() == "ai.onnx";
    if (kQuantizedOps.count(n.op_type()) || n.op_type().rfind("QLinear", 0) == 0)
      fail_with(StatusCode::kUnsupported, "'", path, "' is already quantized (node '", node_name(n, i), "' is ",
                n.op_type(), "); quantize the float model it was made from");
    const bool same =
        onnx_domain && (kSameUpTo13.count(n.op_type()) || (g.opset >= 11 && kSameFrom11.count(n.op_type())));
    if (!same) blocking.insert((onnx_domain ? "" : n.domain() + ".") + n.op_type());
  }
  if (g.opset < kQdqOpset)
    fail_with(StatusCode::kUnsupported, "'", path, "' uses opset ", g.opset, "; QuantizeLinear needs opset ", kQdqOpset,
              " or later (convert the model with onnx.version_converter first)");
  if (g.opset < kPerAxisOpset && options.per_channel) {
    if (!blocking.empty()) {
      std::string list;
      for (const std::string& op : blocking) list += (list.empty() ? "" : ", ") + op;
      fail_with(StatusCode::kUnsupported, "'", path, "' uses opset ", g.opset,
                "; per-channel weights need opset 13 (DequantizeLinear's axis), and the opset cannot be raised "
                "because these ops changed meaning by opset 13: ",
                list, ". Use per-tensor weights (--per-tensor), or convert the model to opset 13 first");
    }
    g.raise_opset = true;
  }

  for (const auto& init : gp.initializer()) {
    g.constants[init.name()] = &init;
    g.used_names.insert(init.name());
  }
  for (const auto& in : gp.input()) {
    if (!g.constants.count(in.name())) g.graph_inputs.insert(in.name());
    g.used_names.insert(in.name());
  }
  for (const auto& out : gp.output()) g.graph_outputs.insert(out.name());
  std::map<std::string, int> by_name;
  for (int i = 0; i < gp.node_size(); ++i) {
    const onnx::NodeProto& n = gp.node(i);
    g.names.push_back(node_name(n, i));
    by_name.emplace(g.names.back(), i);
    g.used_names.insert(g.names.back());
    for (int k = 0; k < n.input_size(); ++k)
      if (!n.input(k).empty()) g.consumers[n.input(k)].push_back({i, k});
    for (const std::string& o : n.output()) {
      g.producer[o] = i;
      g.used_names.insert(o);
    }
    if (n.op_type() == "Constant" && n.output_size() == 1)
      for (const auto& a : n.attribute())
        if (a.name() == "value" && a.has_t()) g.constants[n.output(0)] = &a.t();
  }
  g.kept.assign(gp.node_size(), false);
  std::string unknown;
  for (const std::string& name : options.keep_float) {
    auto it = by_name.find(name);
    if (it == by_name.end()) unknown += (unknown.empty() ? "'" : ", '") + printable(name) + "'";
    else g.kept[it->second] = true;
  }
  if (!unknown.empty()) {
    std::string some;
    for (size_t i = 0; i < g.names.size() && i < 3; ++i) some += (i ? ", '" : "'") + printable(g.names[i]) + "'";
    fail("'", path, "': no node named ", unknown, " (to keep in float); node names are the ONNX node names, e.g. ",
         some);
  }
  g.candidate.assign(gp.node_size(), false);
  for (int i = 0; i < gp.node_size(); ++i) {
    const onnx::NodeProto& n = gp.node(i);
    const bool onnx_domain = n.domain().empty() || n.domain() == "ai.onnx";
    const std::string& op = n.op_type();
    if (!onnx_domain || g.kept[i] || !(kWeightedOps.count(op) || kMultiInputOps.count(op) || kUnaryOps.count(op)))
      continue;
    g.candidate[i] = true;
    const int slots = kMultiInputOps.count(op) || op == "MatMul" ? n.input_size() : 1;
    for (int k = 0; k < slots && k < n.input_size(); ++k)
      if (!n.input(k).empty() && !g.is_constant(n.input(k))) wanted_.insert(n.input(k));
    for (const std::string& o : n.output())
      if (!o.empty()) wanted_.insert(o);
  }
}

QdqModel::~QdqModel() = default;

std::string QdqModel::write(const std::map<std::string, Range>& ranges, QdqSummary* summary) {
  Graph& g = *graph_;
  onnx::GraphProto& gp = *model_->mutable_graph();
  const int nodes = gp.node_size();
  QdqSummary s;
  auto has_range = [&](const std::string& t) { return !t.empty() && ranges.count(t) != 0; };
  auto float_constant = [&](const std::string& t) {
    return g.is_constant(t) && g.constants.at(t)->data_type() == onnx::TensorProto::FLOAT;
  };

  // 1. The nodes that read dequantized inputs: candidates whose activation inputs all have a
  //    range (computed at run time, FLOAT) and whose weights are FLOAT constants.
  std::vector<bool> quantized(nodes, false);
  for (int i = 0; i < nodes; ++i) {
    if (!g.candidate[i]) continue;
    const onnx::NodeProto& n = gp.node(i);
    const std::string& op = n.op_type();
    bool ok = n.input_size() > 0;
    if (op == "MatMul") {
      int activations = 0;
      for (const std::string& in : n.input()) {
        ok &= has_range(in) || float_constant(in);
        activations += has_range(in);
      }
      ok &= activations > 0;
    } else if (kWeightedOps.count(op)) {
      ok &= has_range(n.input(0)) && n.input_size() >= 2 && float_constant(n.input(1));
    } else if (kMultiInputOps.count(op)) {
      int activations = 0;
      for (const std::string& in : n.input()) {
        ok &= has_range(in) || g.is_constant(in);
        activations += has_range(in);
      }
      ok &= activations > 0;
    } else {
      ok &= has_range(n.input(0));
    }
    quantized[i] = ok;
  }

  // 2. Activation Q/DQ pairs. A tensor is dequantized for each quantized node reading it as an
  //    activation, and, when a quantized node produced it, for every other reader not kept in
  //    float (int8 flows through Reshape, Flatten, ...). Nodes kept in float read the float tensor.
  std::map<std::string, ActivationParams> params;
  std::map<std::string, std::string> dequantized_from;         // DQ output -> the tensor it stands for
  std::vector<std::vector<onnx::NodeProto>> after(nodes + 1);  // new nodes after node i; [nodes] = first
  auto absorbed = [&](const std::string& t, int consumer, int slot) {
    const onnx::NodeProto& c = gp.node(consumer);
    auto p = g.producer.find(t);
    if (slot != 0 || !kAbsorbedActivations.count(c.op_type()) || p == g.producer.end()) return false;
    return quantized[p->second] && kAbsorbingOps.count(gp.node(p->second).op_type()) && g.consumers[t].size() == 1 &&
           !g.graph_outputs.count(t);
  };
  auto is_activation_slot = [&](int node, int slot) {
    const std::string& op = gp.node(node).op_type();
    return (kMultiInputOps.count(op) || op == "MatMul" || slot == 0) && has_range(gp.node(node).input(slot));
  };
  std::vector<std::string> order(g.graph_inputs.begin(), g.graph_inputs.end());
  for (int i = 0; i < nodes; ++i)
    for (const std::string& o : gp.node(i).output()) order.push_back(o);
  for (const std::string& t : order) {
    if (!has_range(t)) continue;
    auto p = g.producer.find(t);
    const bool from_quantized = p != g.producer.end() && quantized[p->second];
    std::vector<std::pair<int, int>> readers;
    for (const auto& [c, slot] : g.consumers[t]) {
      if (quantized[c] && is_activation_slot(c, slot)) {
        if (!absorbed(t, c, slot)) readers.push_back({c, slot});
      } else if (from_quantized && !g.kept[c]) {
        readers.push_back({c, slot});
      }
    }
    if (readers.empty()) continue;
    const ActivationParams a = activation_params(ranges.at(t));
    params[t] = a;
    const std::string scale = g.unique(t + "_scale"), zero = g.unique(t + "_zero_point");
    Tensor st(DType::F32, {}), zt(DType::I8, {});
    st.data_as<float>()[0] = a.scale;
    zt.data_as<int8_t>()[0] = a.zero_point;
    *gp.add_initializer() = tensor_to_proto(scale, st);
    *gp.add_initializer() = tensor_to_proto(zero, zt);
    onnx::NodeProto q, dq;
    q.set_op_type("QuantizeLinear");
    q.set_name(g.unique(t + "_QuantizeLinear"));
    q.add_input(t);
    q.add_input(scale);
    q.add_input(zero);
    q.add_output(g.unique(t + "_QuantizeLinear_Output"));
    dq.set_op_type("DequantizeLinear");
    dq.set_name(g.unique(t + "_DequantizeLinear"));
    dq.add_input(q.output(0));
    dq.add_input(scale);
    dq.add_input(zero);
    dq.add_output(g.unique(t + "_DequantizeLinear_Output"));
    for (const auto& [c, slot] : readers) gp.mutable_node(c)->set_input(slot, dq.output(0));
    dequantized_from[dq.output(0)] = t;
    auto& where = after[p == g.producer.end() ? nodes : p->second];
    where.push_back(std::move(q));
    where.push_back(std::move(dq));
    ++s.activations;
  }

  // 3. Weights (int8, symmetric, per output channel by default) and biases (int32).
  std::map<std::string, std::pair<std::string, std::vector<float>>> weight_done;  // key -> (DQ output, scales)
  std::set<std::string> replaced;
  auto dequantize = [&](const std::string& base, const std::string& values, const std::string& scale,
                        const std::string& zero, int axis) {
    onnx::NodeProto dq;
    dq.set_op_type("DequantizeLinear");
    dq.set_name(g.unique(base + "_DequantizeLinear"));
    dq.add_input(values);
    dq.add_input(scale);
    dq.add_input(zero);
    dq.add_output(g.unique(base + "_DequantizeLinear_Output"));
    if (axis >= 0) {
      onnx::AttributeProto* a = dq.add_attribute();
      a->set_name("axis");
      a->set_type(onnx::AttributeProto::INT);
      a->set_i(axis);
    }
    std::string out = dq.output(0);
    after[nodes].push_back(std::move(dq));
    return out;
  };
  for (int i = 0; i < nodes; ++i) {
    if (!quantized[i] || !kWeightedOps.count(gp.node(i).op_type())) continue;
    onnx::NodeProto& n = *gp.mutable_node(i);
    const std::string op = n.op_type();
    int group = 1, trans_b = 0;
    for (const auto& a : n.attribute()) {
      if (a.name() == "group") group = static_cast<int>(a.i());
      if (a.name() == "transB") trans_b = static_cast<int>(a.i());
    }
    std::vector<float> weight_scales;
    int weight_slot = -1;
    for (int k = 0; k < std::min(2, n.input_size()); ++k) {
      const std::string w = n.input(k);
      if (!float_constant(w)) continue;
      const Tensor wt = g.constant(w, path_);
      int axis = -1;
      if (options_.per_channel && wt.rank() >= 2) {
        if (op == "Conv") axis = 0;
        else if (op == "ConvTranspose" && group == 1) axis = 1;
        else if (op == "Gemm" && k == 1) axis = trans_b ? 0 : 1;
        else if (op == "MatMul" && k == 1 && wt.rank() == 2) axis = 1;
      }
      const std::string key = w + "|" + std::to_string(axis);
      if (!weight_done.count(key)) {
        const QuantizedWeight qw = quantize_weight(wt, axis);
        const std::string values = g.unique(w + "_quantized"), scale = g.unique(w + "_scale"),
                          zero = g.unique(w + "_zero_point");
        *gp.add_initializer() = tensor_to_proto(values, qw.values);
        *gp.add_initializer() = tensor_to_proto(scale, scalar_or_vector(DType::F32, qw.scales, axis >= 0));
        *gp.add_initializer() = tensor_to_proto(zero, scalar_or_vector(DType::I8, qw.scales, axis >= 0));
        weight_done[key] = {dequantize(w, values, scale, zero, axis), qw.scales};
        ++s.weights;
      }
      n.set_input(k, weight_done[key].first);
      replaced.insert(w);
      if (k == 1 || op == "MatMul") {
        weight_scales = weight_done[key].second;
        weight_slot = k;
      }
    }
    // Bias: int32 at scale x_scale * w_scale, when the input is dequantized and the weight int8.
    if (op == "MatMul" || n.input_size() < 3 || weight_slot != 1 || !float_constant(n.input(2))) continue;
    auto source = dequantized_from.find(n.input(0));  // input 0 reads a dequantized activation
    if (source == dequantized_from.end()) continue;
    const std::string b = n.input(2);
    const Tensor bt = g.constant(b, path_);
    if (bt.rank() != 1 || (weight_scales.size() != 1 && static_cast<int64_t>(weight_scales.size()) != bt.numel()) ||
        bt.numel() == 0)
      continue;
    const QuantizedBias qb = quantize_bias(bt, params.at(source->second).scale, weight_scales);
    s.clipped_bias_values += qb.clipped;
    const bool per_channel = qb.scales.size() > 1;
    const std::string values = g.unique(b + "_quantized"), scale = g.unique(b + "_quantized_scale"),
                      zero = g.unique(b + "_quantized_zero_point");
    *gp.add_initializer() = tensor_to_proto(values, qb.values);
    *gp.add_initializer() = tensor_to_proto(scale, scalar_or_vector(DType::F32, qb.scales, per_channel));
    *gp.add_initializer() = tensor_to_proto(zero, scalar_or_vector(DType::I32, qb.scales, per_channel));
    n.set_input(2, dequantize(b, values, scale, zero, per_channel ? 0 : -1));
    replaced.insert(b);
    ++s.biases;
  }

  // 4. Node order: new dequantized weights and graph-input pairs first, each pair after the
  //    node producing its tensor; then drop the float weights nothing reads any more.
  google::protobuf::RepeatedPtrField<onnx::NodeProto> old;
  old.Swap(gp.mutable_node());
  for (onnx::NodeProto& n : after[nodes]) gp.add_node()->Swap(&n);
  std::set<std::string> read(g.graph_outputs.begin(), g.graph_outputs.end());
  for (int i = 0; i < nodes; ++i) {
    gp.add_node()->Swap(&old[i]);
    for (onnx::NodeProto& n : after[i]) gp.add_node()->Swap(&n);
  }
  for (const auto& n : gp.node())
    for (const std::string& in : n.input()) read.insert(in);
  auto* inits = gp.mutable_initializer();
  for (int k = inits->size() - 1; k >= 0; --k)
    if (replaced.count(inits->Get(k).name()) && !read.count(inits->Get(k).name()) &&
        !g.graph_inputs.count(inits->Get(k).name()))
      inits->DeleteSubrange(k, 1);
  auto* all_nodes = gp.mutable_node();
  for (int k = all_nodes->size() - 1; k >= 0; --k) {
    const onnx::NodeProto& n = all_nodes->Get(k);
    if (n.op_type() == "Constant" && n.output_size() == 1 && replaced.count(n.output(0)) && !read.count(n.output(0)))
      all_nodes->DeleteSubrange(k, 1);
  }
  // Initializers stored outside the file would be lost next to another file name: inline them.
  for (onnx::TensorProto& init : *inits)
    if (init.data_location() == onnx::TensorProto::EXTERNAL) {
      const Tensor t = tensor_from_proto(init, g.model_dir, "initializer '" + init.name() + "' in '" + path_ + "'");
      init = tensor_to_proto(init.name(), t);
    }

  if (g.raise_opset) {
    for (auto& o : *model_->mutable_opset_import())
      if (o.domain().empty() || o.domain() == "ai.onnx") o.set_version(kPerAxisOpset);
    model_->set_ir_version(std::max<int64_t>(model_->ir_version(), 7));  // IR 7 goes with opset 13
    s.notes.push_back("opset raised from " + std::to_string(g.opset) + " to 13 for per-channel weights");
  }
  s.opset = g.raise_opset ? kPerAxisOpset : g.opset;
  for (int i = 0; i < nodes; ++i) {
    s.quantized_nodes += quantized[i];
    s.kept_float += g.kept[i];
  }
  if (s.clipped_bias_values)
    s.notes.push_back(std::to_string(s.clipped_bias_values) + " bias value(s) beyond the int32 range were saturated");
  const size_t size = model_->ByteSizeLong();
  LS_CHECK(size < static_cast<size_t>(INT_MAX), "the quantized model of '", path_, "' would be ", size,
           " bytes, over protobuf's 2 GB limit");
  std::string out;
  LS_CHECK(model_->SerializeToString(&out), "could not serialize the quantized model of '", path_, "'");
  if (summary) *summary = s;
  return out;
}

}  // namespace layerscope::quant
