#include "kernels/onednn/onednn_common.h"

#include <omp.h>

namespace layerscope::onednn {

dnnl::engine& engine() {
  static dnnl::engine e(dnnl::engine::kind::cpu, 0);
  return e;
}

// One stream per thread: sessions running on different threads never share one (oneDNN does
// not promise that a stream may be used by two threads at once).
dnnl::stream& stream() {
  thread_local dnnl::stream s(engine());
  return s;
}

dims to_dims(const Shape& s) {
  if (s.empty()) return {1};
  return dims(s.begin(), s.end());
}

dnnl::memory::desc plain_md(const dims& d) {
  dims strides(d.size(), 1);
  for (int i = static_cast<int>(d.size()) - 2; i >= 0; --i) strides[i] = strides[i + 1] * d[i + 1];
  return dnnl::memory::desc(d, dnnl::memory::data_type::f32, strides);
}

dnnl::memory::desc strided_md(const dims& d, const dims& strides) {
  return dnnl::memory::desc(d, dnnl::memory::data_type::f32, strides);
}

dnnl::primitive_attr base_attr() {
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  return attr;
}

std::string impl_name(const dnnl::primitive_desc_base& pd) { return std::string("onednn:") + pd.impl_info_str(); }

void require_optimized(const dnnl::primitive_desc_base& pd) {
  const std::string impl = pd.impl_info_str();
  if (impl.rfind("ref", 0) == 0) fail("oneDNN offers only its reference implementation (", impl, ")");
}

bool has_input(const KernelSetup& s, int i) {
  return i < static_cast<int>(s.node.inputs.size()) && s.node.inputs[i] >= 0;
}

bool has_output(const KernelSetup& s, int i) {
  return i < static_cast<int>(s.node.outputs.size()) && s.node.outputs[i] >= 0;
}

bool inputs_f32(const KernelSetup& s, std::initializer_list<int> idx) {
  for (int i : idx)
    if (has_input(s, i) && s.inputs[i].dtype != DType::F32) return false;
  return true;
}

bool outputs_f32(const KernelSetup& s) {
  for (size_t i = 0; i < s.outputs.size(); ++i)
    if (has_output(s, static_cast<int>(i)) && s.outputs[i].dtype != DType::F32) return false;
  return true;
}

bool any_empty(const KernelSetup& s) {
  for (size_t i = 0; i < s.inputs.size(); ++i)
    if (has_input(s, static_cast<int>(i)) && shape_numel(s.inputs[i].shape) == 0) return true;
  for (size_t i = 0; i < s.outputs.size(); ++i)
    if (has_output(s, static_cast<int>(i)) && shape_numel(s.outputs[i].shape) == 0) return true;
  return false;
}

ThreadScope::ThreadScope(int threads) : saved_(omp_get_max_threads()) {
  if (threads > 0) omp_set_num_threads(threads);
}

ThreadScope::~ThreadScope() { omp_set_num_threads(saved_); }

dnnl::memory reorder_to(const dnnl::memory::desc& from, const void* data, const dnnl::memory::desc& to) {
  dnnl::memory src(from, engine(), const_cast<void*>(data));
  dnnl::memory dst(to, engine());
  dnnl::reorder(src, dst).execute(stream(), src, dst);
  stream().wait();
  return dst;
}

void Runner::init(dnnl::primitive prim, const dnnl::primitive_desc_base& pd) {
  prim_ = std::move(prim);
  name_ = impl_name(pd);
  mems_.clear();
  args_.clear();
  dnnl::memory::desc scratch = pd.scratchpad_desc();
  scratch_bytes_ = scratch.get_size();
  if (scratch_bytes_) bind(DNNL_ARG_SCRATCHPAD, scratch);
}

void Runner::bind(int arg, const dnnl::memory::desc& md) {
  bind_owned(arg, dnnl::memory(md, engine(), DNNL_MEMORY_NONE));
}

void Runner::bind_owned(int arg, dnnl::memory m) {
  mems_.emplace_back(arg, std::move(m));
  args_.clear();
  for (const auto& [a, mem] : mems_) args_.push_back({a, mem.get()});
}

dnnl::memory& Runner::find(int arg) {
  for (auto& [a, m] : mems_)
    if (a == arg) return m;
  fail("oneDNN kernel ", name_, ": no argument ", arg, " bound");
}

void Runner::set(int arg, const void* data) { find(arg).set_data_handle(const_cast<void*>(data)); }

void Runner::run(void* scratch) {
  if (scratch_bytes_) set(DNNL_ARG_SCRATCHPAD, scratch);
  dnnl_status_t st = dnnl_primitive_execute(prim_.get(), stream().get(), static_cast<int>(args_.size()), args_.data());
  LS_CHECK(st == dnnl_success, "oneDNN kernel ", name_, " failed to execute (status ", static_cast<int>(st), ")");
  stream().wait();
}

KernelDef kernel_def(const std::string& op_type, const std::string& family,
                     std::function<bool(const KernelSetup&)> supports,
                     std::function<std::unique_ptr<Kernel>()> create) {
  KernelDef d;
  d.op_type = op_type;
  d.domain = "";
  d.name = "onednn:" + family;
  d.priority = 100;
  d.supports = std::move(supports);
  d.create = std::move(create);
  return d;
}

void add_kernel(KernelRegistry& r, const std::string& op_type, const std::string& family,
                std::function<bool(const KernelSetup&)> supports, std::function<std::unique_ptr<Kernel>()> create) {
  r.add_kernel(kernel_def(op_type, family, std::move(supports), std::move(create)));
}

}  // namespace layerscope::onednn
