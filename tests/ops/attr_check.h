// The planner refuses a node whose attributes its OpDef does not declare (or declares with
// another type) before infer() ever runs; the op tests that call infer() directly do the same
// through expect_declared_attributes(), so every attribute a test uses is also proven declared.
#pragma once
#include "ir/error.h"
#include "registry/registry.h"

namespace layerscope::testing {

inline void expect_declared_attributes(const Node& n) {
  const std::string problem = Registry::builtin().attribute_problem(n);
  if (!problem.empty()) fail(Graph::describe(n), ": ", problem);
}

}  // namespace layerscope::testing
