#include "profile/body_recorder.h"

#include "util/text.h"

namespace layerscope {

namespace {

// A body layer's identity across the body's plans: what its node is and does. Plans of other
// input signatures number their steps differently (folding, fusions), but keep the nodes' op
// types, original names and output names. '\n' separates the parts: it is in no op type, and a
// name holding one still gives a key no other node gives.
std::string node_key(const Node& n, const Graph& g) {
  std::string key = n.op_type;
  for (const std::string& name : n.source_names) key += "\n" + name;
  key += "\n->";
  for (int v : n.outputs) key += "\n" + (v >= 0 ? g.values[v].name : std::string());
  return key;
}

}  // namespace

BodyRecorders::~BodyRecorders() = default;

BodyRecorder* BodyRecorders::of(int layer, const ExecutionPlan& plan, int step, const Graph& body,
                                const std::string& scope) {
  for (Entry& e : entries_)
    if (e.layer == layer && e.body == &body && e.plan == plan.serial) return e.recorder.get();
  std::string attribute = body_attribute(plan, step, body);
  if (attribute.empty()) attribute = "body";  // not an attribute of the node: cannot happen, named anyway
  for (Entry& e : entries_)
    if (e.layer == layer && e.attribute == attribute) {
      e.body = &body;
      e.plan = plan.serial;
      return e.recorder.get();
    }
  const std::string path = scoped_name(scope, body_owner_name(plan, step) + "/" + attribute);
  entries_.push_back({layer, attribute, &body, plan.serial, std::make_unique<BodyRecorder>(path, run_, runs_)});
  return entries_.back().recorder.get();
}

std::vector<const BodyRecorder*> BodyRecorders::of_layer(int layer) const {
  std::vector<const BodyRecorder*> out;
  for (const Entry& e : entries_)
    if (e.layer == layer) out.push_back(e.recorder.get());
  return out;
}

BodyRecorder::BodyRecorder(std::string scope, const int& run, int runs)
    : scope_(std::move(scope)), run_(run), runs_(runs), bodies_(run, runs) {}

BodyRecorder::PlanLayers BodyRecorder::map_plan(const ExecutionPlan& plan) {
  PlanLayers out;
  for (int s = 0; s < static_cast<int>(plan.steps.size()); ++s) {
    auto [it, added] = layer_by_node_.emplace(node_key(plan.graph.nodes[plan.steps[s].node], plan.graph),
                                              static_cast<int>(layers_.size()));
    if (added) {
      Layer l;
      l.names = describe_names(plan, s);
      l.wall_ns.assign(runs_, 0);
      l.calls.assign(runs_, 0);
      layers_.push_back(std::move(l));
    }
    out.layer_of_step.push_back(it->second);
    out.live_bytes.push_back(live_activation_bytes(plan, s));
  }
  return out;
}

void BodyRecorder::on_run_begin(const ExecutionPlan& plan) {
  plan_ = &plan;
  auto it = plans_.find(plan.serial);
  if (it == plans_.end()) {
    if (plans_.size() >= kMaxPlans) plans_.clear();
    it = plans_.emplace(plan.serial, map_plan(plan)).first;
  }
  steps_ = &it->second;
}

void BodyRecorder::on_step_begin(int) {
  if (run_ >= runs_) return;
  begin_ = std::chrono::steady_clock::now();
}

void BodyRecorder::on_step_end(int step) {
  if (run_ >= runs_) return;
  const auto end = std::chrono::steady_clock::now();
  Layer& l = layers_[steps_->layer_of_step[step]];
  l.wall_ns[run_] += std::chrono::duration_cast<std::chrono::nanoseconds>(end - begin_).count();
  l.calls[run_]++;
  // A static step's shapes, kernel and cost are its plan's: recorded again only when another plan
  // ran it. A dynamic step's change with every execution.
  if (plan_->steps[step].dynamic || l.latest_plan != plan_->serial) {
    record_execution(*plan_, step, &l.latest);
    l.live_activation_bytes = steps_->live_bytes[step];
    l.latest_plan = plan_->serial;
  }
}

ExecutionObserver* BodyRecorder::body_observer(int step, const Graph& body) {
  if (run_ >= runs_) return nullptr;
  return bodies_.of(steps_->layer_of_step[step], *plan_, step, body, scope_);
}

}  // namespace layerscope
