#include <omp.h>

#include <map>

#include "api/guarded.h"
#include "api/session_impl.h"
#include "ir/error.h"
#include "onnx/model_loader.h"
#include "runtime/thread_pinning.h"

namespace layerscope {

namespace {

ValueDesc describe_value(const Value& v) {
  ValueDesc d;
  d.name = v.name;
  d.dtype = v.dtype;
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

std::string declared_string(const ValueDesc& d) {
  std::string s = std::string(dtype_name(d.dtype)) + " (";
  if (!d.has_shape) return s + "any shape)";
  for (size_t i = 0; i < d.shape.size(); ++i) {
    if (i) s += ",";
    s += d.shape[i] >= 0 ? std::to_string(d.shape[i]) : (d.dim_names[i].empty() ? "?" : d.dim_names[i]);
  }
  return s + ")";
}


}  // namespace

bool static_binding(const std::vector<ValueDesc>& inputs, InputBinding* binding) {
  for (const ValueDesc& d : inputs) {
    if (!d.has_shape) return false;
    for (int64_t s : d.shape)
      if (s < 0) return false;
    (*binding)[d.name] = TensorInfo{d.dtype, d.shape};
  }
  return true;
}

void Session::Impl::plan_for(const InputBinding& b, bool final_plan) {
  LS_CHECK(!graph_weights_released, "internal: a static-shape model ('", graph.model_path, "') was re-planned");
  executor.reset();  // free the old arena before building the new plan
  if (!final_plan) {
    executor = std::make_unique<Executor>(build_plan(graph, b, Registry::builtin(), plan_options()), options.cores);
  } else {
    // The plan becomes the only owner of the weights, so the planner can free each one as soon
    // as its kernel has packed it; the session keeps the graph's structure without them.
    Graph structure = graph;
    for (Value& v : structure.values) v.constant.reset();
    executor = std::make_unique<Executor>(build_plan(std::move(graph), b, Registry::builtin(), plan_options()),
                                          options.cores);
    graph = std::move(structure);
    graph_weights_released = true;
  }
  binding = b;
}

std::vector<Tensor> Session::Impl::bind(const std::vector<NamedTensor>& given) {
  std::map<std::string, const Tensor*> by_name;
  for (const NamedTensor& t : given) {
    bool known = false;
    for (const ValueDesc& d : inputs) known |= d.name == t.name;
    if (!known) {
      std::string list;
      for (const ValueDesc& d : inputs) list += (list.empty() ? "" : ", ") + d.name + " " + declared_string(d);
      fail("model '", graph.model_path, "' has no input named '", t.name, "'; its inputs are: ", list);
    }
    LS_CHECK(by_name.emplace(t.name, &t.tensor).second, "input '", t.name, "' is given twice");
  }
  std::vector<Tensor> ordered;
  InputBinding b;
  std::map<std::string, int64_t> symbols;
  for (const ValueDesc& d : inputs) {
    auto it = by_name.find(d.name);
    LS_CHECK(it != by_name.end(), "input '", d.name, "' ", declared_string(d), " is missing");
    const Tensor& t = *it->second;
    LS_CHECK(t.dtype() == d.dtype, "input '", d.name, "' has type ", dtype_name(t.dtype()), "; the model expects ",
             declared_string(d));
    if (d.has_shape) {
      LS_CHECK(t.rank() == static_cast<int>(d.shape.size()), "input '", d.name, "' has shape ",
               shape_to_string(t.shape()), "; the model expects ", declared_string(d));
      for (size_t k = 0; k < d.shape.size(); ++k) {
        if (d.shape[k] >= 0) {
          LS_CHECK(t.dim(static_cast<int>(k)) == d.shape[k], "input '", d.name, "' has shape ",
                   shape_to_string(t.shape()), "; the model expects ", declared_string(d));
        } else if (!d.dim_names[k].empty()) {
          auto [pos, inserted] = symbols.emplace(d.dim_names[k], t.dim(static_cast<int>(k)));
          LS_CHECK(inserted || pos->second == t.dim(static_cast<int>(k)), "input '", d.name, "' binds dim '",
                   d.dim_names[k], "' to ", t.dim(static_cast<int>(k)), " but another input bound it to ",
                   pos->second);
        }
      }
    }
    b[d.name] = TensorInfo{t.dtype(), t.shape()};
    ordered.push_back(t);
  }
  if (!executor || b.size() != binding.size() ||
      !std::equal(b.begin(), b.end(), binding.begin(), [](const auto& x, const auto& y) {
        return x.first == y.first && x.second.dtype == y.second.dtype && x.second.shape == y.second.shape;
      }))
    plan_for(b);
  return ordered;
}

Session::Session() : impl_(std::make_unique<Impl>()) {}
Session::~Session() = default;

Status Session::load(const std::string& path, const SessionOptions& options, std::unique_ptr<Session>* out) {
  std::unique_ptr<Session> s(new Session());
  Status st = guarded([&] {
    Impl& m = *s->impl_;
    m.options = options;
    LS_CHECK(options.threads >= 0, "threads must be >= 0 (0 = all cores), got ", options.threads);
    check_cores(options.cores);
    // With a core list and no thread count: one thread per listed core.
    m.threads = options.threads > 0 ? options.threads
                : !options.cores.empty() ? static_cast<int>(options.cores.size())
                                         : omp_get_num_procs();
    m.memory = memory_budget(options.max_memory_bytes);
    m.graph = load_onnx_model(path);
    check_ops_supported(m.graph, Registry::builtin());
    for (int id : m.graph.inputs) m.inputs.push_back(describe_value(m.graph.values[id]));
    for (int id : m.graph.outputs) m.outputs.push_back(describe_value(m.graph.values[id]));
    InputBinding b;
    // A static-shape model is planned once, here, and never re-planned.
    if (static_binding(m.inputs, &b)) m.plan_for(b, /*final_plan=*/true);
  });
  if (st) *out = std::move(s);
  return st;
}

const std::vector<ValueDesc>& Session::inputs() const { return impl_->inputs; }
const std::vector<ValueDesc>& Session::outputs() const { return impl_->outputs; }
const std::string& Session::model_path() const { return impl_->graph.model_path; }

Status Session::run(const std::vector<NamedTensor>& inputs, std::vector<NamedTensor>* outputs) {
  return guarded([&] {
    std::lock_guard<std::mutex> lock(impl_->run_mutex);
    std::vector<Tensor> ordered = impl_->bind(inputs);
    std::vector<Tensor> results = impl_->executor->run(ordered);
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
