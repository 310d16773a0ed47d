#include <omp.h>

#include <functional>
#include <map>

#include "api/guarded.h"
#include "api/session_access.h"
#include "api/session_impl.h"
#include "ir/error.h"
#include "ir/int4.h"
#include "layerscope/printable.h"
#include "onnx/model_loader.h"
#include "runtime/thread_pinning.h"

namespace layerscope {

namespace {

ValueDesc describe_value(const Value& v) {
  ValueDesc d;
  d.name = v.name;
  d.dtype = v.dtype;
  d.type = v.type;
  if (v.declared_shape) {
    d.has_shape = true;
    for (const DeclaredDim& dim : *v.declared_shape) {
      d.shape.push_back(dim.size >= 0 ? dim.size : -1);
      d.dim_names.push_back(dim.symbol);
    }
  } else if (v.constant) {
    d.has_shape = true;
    d.shape = v.constant->shape();
    d.dim_names.assign(d.shape.size(), "");
  }
  return d;
}

// "FLOAT (1,3,?,W)" for messages.
std::string declared_string(const ValueDesc& d) {
  if (!d.type.is_tensor()) return value_type_name(d.type, d.dtype);
  std::string s = std::string(dtype_name(d.dtype)) + " (";
  if (!d.has_shape) return s + "any shape)";
  for (size_t i = 0; i < d.shape.size(); ++i) {
    if (i) s += ",";
    s += d.shape[i] >= 0 ? std::to_string(d.shape[i]) : (d.dim_names[i].empty() ? "?" : printable(d.dim_names[i]));
  }
  return s + ")";
}

// "input 'x'" with the name escaped for printing.
std::string input_named(const std::string& name) { return "input '" + printable(name) + "'"; }

}  // namespace

std::string describe_values(const std::vector<ValueDesc>& values) {
  std::string list;
  for (const ValueDesc& d : values)
    list += (list.empty() ? "" : ", ") + printable(d.name) + " " + declared_string(d) +
            (d.has_default ? " [has a default]" : "");
  return list.empty() ? "none" : list;
}

bool static_binding(const std::vector<ValueDesc>& inputs, InputBinding* binding) {
  for (const ValueDesc& d : inputs) {
    if (d.has_default) continue;  // bound only when given
    if (!d.has_shape) return false;
    for (int64_t s : d.shape)
      if (s < 0) return false;
    (*binding)[d.name] = TensorInfo{d.dtype, d.shape};
  }
  return true;
}

void Session::Impl::plan_for(const InputBinding& b, const std::vector<int>& overridden, bool final_plan) {
  LS_CHECK(!graph_weights_released, "internal: a static-shape model ('", graph.model_path, "') was re-planned");
  executor.reset();  // free the old arena before building the new plan
  if (!final_plan) {
    Graph g = graph;
    // An overridden default is a graph input of this plan: no constant, bound like the others
    // (appended to `inputs` in the order bind() passes the tensors).
    for (int id : overridden) {
      g.values[id].constant.reset();
      g.inputs.push_back(id);
    }
    executor =
        std::make_unique<Executor>(build_plan(std::move(g), b, Registry::builtin(), plan_options()), options.cores);
  } else {
    LS_CHECK(overridden.empty() && graph.default_inputs.empty(), "internal: final plan with default inputs");
    // The plan becomes the only owner of the weights, so the planner can free each one as soon
    // as its kernel has packed it; the session keeps the graph's structure without them.
    Graph structure = graph;
    for (Value& v : structure.values) v.constant.reset();
    executor =
        std::make_unique<Executor>(build_plan(std::move(graph), b, Registry::builtin(), plan_options()), options.cores);
    graph = std::move(structure);
    graph_weights_released = true;
  }
  binding = b;
}

std::vector<Tensor> Session::Impl::bind(const std::vector<NamedTensor>& given) {
  for (const ValueDesc& d : inputs)
    LS_CHECK(d.type.is_tensor(), input_named(d.name), " is ", declared_string(d),
             ", not a tensor: give it with Session::run_values");
  std::vector<NamedValue> values;
  for (const NamedTensor& t : given) values.push_back({t.name, AnyValue(t.tensor)});
  std::vector<Tensor> ordered;
  for (AnyValue& v : bind_values(values)) ordered.push_back(std::move(v.tensor));
  return ordered;
}

std::vector<AnyValue> Session::Impl::bind_values(const std::vector<NamedValue>& given) {
  std::map<std::string, const AnyValue*> by_name;
  for (const NamedValue& t : given) {
    bool known = false;
    for (const ValueDesc& d : inputs) known |= d.name == t.name;
    if (!known) {
      bool inside = false;  // a weight or an intermediate value, not an input
      for (const Value& v : graph.values) inside |= v.name == t.name;
      fail("model '", graph.model_path, "' has no input named '", printable(t.name), "'",
           inside ? " (that is a value inside the model, not one of its inputs)" : "",
           "; its inputs are: ", describe_values(inputs));
    }
    LS_CHECK(by_name.emplace(t.name, &t.value).second, input_named(t.name), " is given twice");
  }
  std::vector<AnyValue> ordered;
  InputBinding b;
  std::vector<int> overridden;  // default inputs given by the caller, in graph.default_inputs order
  std::map<std::string, int64_t> symbols;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const ValueDesc& d = inputs[i];
    auto it = by_name.find(d.name);
    if (it == by_name.end()) {
      LS_CHECK(d.has_default, input_named(d.name), " ", declared_string(d), " is missing");
      continue;  // the model's default value
    }
    if (!d.type.is_tensor() || !it->second->is_tensor()) {
      const AnyValue& v = *it->second;
      LS_CHECK(v.type == d.type && (v.dtype == d.dtype || d.dtype == DType::Undefined), input_named(d.name), " is ",
               v.describe(), "; the model expects ", declared_string(d));
      b[d.name] = TensorInfo{v.dtype, {}, v.type};
      ordered.push_back(v);
      continue;
    }
    const Tensor& t = it->second->tensor;
    LS_CHECK(t.dtype() == d.dtype, input_named(d.name), " has type ", dtype_name(t.dtype()), "; the model expects ",
             declared_string(d));
    if (is_int4(t.dtype())) {  // one value per byte (tensor.h): a byte outside the type's range is no INT4/UINT4
      const int64_t bad = int4_out_of_range(t.data_as<uint8_t>(), t.numel(), t.dtype());
      LS_CHECK(bad < 0, input_named(d.name), " element ", bad, " is ",
               t.dtype() == DType::I4 ? int{t.data_as<int8_t>()[bad]} : int{t.data_as<uint8_t>()[bad]},
               ", outside the range of ", dtype_name(t.dtype()), " [", int4_min(t.dtype()), ", ", int4_max(t.dtype()),
               "]");
    }
    if (d.has_shape) {
      LS_CHECK(t.rank() == static_cast<int>(d.shape.size()), input_named(d.name), " has shape ",
               shape_to_string(t.shape()), "; the model expects ", declared_string(d));
      for (size_t k = 0; k < d.shape.size(); ++k) {
        if (d.shape[k] >= 0) {
          LS_CHECK(t.dim(static_cast<int>(k)) == d.shape[k], input_named(d.name), " has shape ",
                   shape_to_string(t.shape()), "; the model expects ", declared_string(d));
        } else if (!d.dim_names[k].empty()) {
          auto [pos, inserted] = symbols.emplace(d.dim_names[k], t.dim(static_cast<int>(k)));
          LS_CHECK(inserted || pos->second == t.dim(static_cast<int>(k)), input_named(d.name), " binds dim '",
                   printable(d.dim_names[k]), "' to ", t.dim(static_cast<int>(k)), " but another input bound it to ",
                   pos->second);
        }
      }
    }
    b[d.name] = TensorInfo{t.dtype(), t.shape()};
    ordered.push_back(t);
    if (d.has_default) overridden.push_back(graph.default_inputs[i - graph.inputs.size()]);
  }
  if (!executor || b.size() != binding.size() ||
      !std::equal(b.begin(), b.end(), binding.begin(), [](const auto& x, const auto& y) {
        return x.first == y.first && x.second.dtype == y.second.dtype && x.second.shape == y.second.shape &&
               x.second.type == y.second.type;
      }))
    plan_for(b, overridden);
  return ordered;
}

Session::Session() : impl_(std::make_unique<Impl>()) {}
Session::~Session() = default;

namespace {

// Session::load and load_session_from_bytes: `read` produces the graph.
Status load_graph(const std::function<Graph()>& read, const SessionOptions& options, std::unique_ptr<Session>* out) {
  std::unique_ptr<Session> s = SessionAccess::create();
  std::string path;  // known once the model is read; the loader's own errors name it already
  Status st = guarded_for_model(path, [&] {
    SessionAccess::Impl& m = SessionAccess::impl(*s);
    m.options = options;
    LS_CHECK(options.threads >= 0 && options.threads <= kMaxThreads, "threads must be 0 (one per core) to ",
             kMaxThreads, ", got ", options.threads);
    check_cores(options.cores);
    // With a core list and no thread count: one thread per listed core.
    m.threads = options.threads > 0      ? options.threads
                : !options.cores.empty() ? static_cast<int>(options.cores.size())
                                         : omp_get_num_procs();
    m.memory = memory_budget(options.max_memory_bytes);
    m.graph = read();
    path = m.graph.model_path;
    check_ops_supported(m.graph, Registry::builtin());
    for (int id : m.graph.inputs) m.inputs.push_back(describe_value(m.graph.values[id]));
    for (int id : m.graph.default_inputs) {
      m.inputs.push_back(describe_value(m.graph.values[id]));
      m.inputs.back().has_default = true;
    }
    for (int id : m.graph.outputs) m.outputs.push_back(describe_value(m.graph.values[id]));
    InputBinding b;
    // A static-shape model is planned here. Without inputs that have a default it is never
    // re-planned, so the plan may take the weights; with them, overriding one re-plans, which
    // needs the weights again: the session keeps its copy.
    if (static_binding(m.inputs, &b)) m.plan_for(b, {}, /*final_plan=*/m.graph.default_inputs.empty());
  });
  if (st) *out = std::move(s);
  return st;
}

}  // namespace

Status Session::load(const std::string& path, const SessionOptions& options, std::unique_ptr<Session>* out) {
  return load_graph([&] { return load_onnx_model(path); }, options, out);
}

Status load_session_from_bytes(const std::string& bytes, const std::string& name, const SessionOptions& options,
                               std::unique_ptr<Session>* session) {
  return load_graph([&] { return parse_onnx_model(bytes, name); }, options, session);
}

const std::vector<ValueDesc>& Session::inputs() const { return impl_->inputs; }
const std::vector<ValueDesc>& Session::outputs() const { return impl_->outputs; }
const std::string& Session::model_path() const { return impl_->graph.model_path; }

Status Session::run(const std::vector<NamedTensor>& inputs, std::vector<NamedTensor>* outputs) {
  return guarded_for_model(impl_->graph.model_path, [&] {
    std::lock_guard<std::mutex> lock(impl_->run_mutex);
    std::vector<Tensor> ordered = impl_->bind(inputs);
    std::vector<Tensor> results = impl_->executor->run(ordered);
    outputs->clear();
    for (size_t i = 0; i < results.size(); ++i) outputs->push_back({impl_->outputs[i].name, std::move(results[i])});
  });
}

Status Session::run_values(const std::vector<NamedValue>& inputs, std::vector<NamedValue>* outputs) {
  return guarded_for_model(impl_->graph.model_path, [&] {
    std::lock_guard<std::mutex> lock(impl_->run_mutex);
    std::vector<AnyValue> ordered = impl_->bind_values(inputs);
    std::vector<AnyValue> results = impl_->executor->run_values(ordered);
    outputs->clear();
    for (size_t i = 0; i < results.size(); ++i) outputs->push_back({impl_->outputs[i].name, std::move(results[i])});
  });
}

Status Session::plan_summary(PlanSummary* out) const {
  std::lock_guard<std::mutex> lock(impl_->run_mutex);
  if (!impl_->executor) return Status::error("no execution plan yet: the model has symbolic input dims; run it once");
  const ExecutionPlan& p = impl_->executor->plan();
  out->layers = static_cast<int>(p.steps.size());
  out->folded_nodes = static_cast<int>(p.folded_nodes.size());
  out->arena_bytes = p.arena_bytes;
  out->naive_activation_bytes = p.naive_activation_bytes;
  out->constant_bytes = p.constant_bytes;
  out->packed_weight_bytes = p.packed_weight_bytes;
  out->threads = p.threads;
  return Status::ok();
}

}  // namespace layerscope
