// Prints every registered OpDef with the attributes it declares, one JSON object per line:
//   {"domain": "", "op": "Conv", "since": 11, "until": 2147483647,
//    "attributes": [["pads", "INTS", 1, 2147483647], ...]}
// check_op_attributes.py compares these lists with the ONNX schemas (onnx.defs) so they
// cannot drift from the spec.
#include <iostream>

#include "registry/registry.h"

namespace {
std::string quoted(const std::string& s) { return "\"" + s + "\""; }  // names never hold quotes
}  // namespace

int main() {
  using namespace layerscope;
  for (const OpDef* d : Registry::builtin().all_ops()) {
    std::cout << "{\"domain\": " << quoted(d->domain) << ", \"op\": " << quoted(d->op_type)
              << ", \"since\": " << d->since << ", \"until\": " << d->until << ", \"attributes\": [";
    for (size_t i = 0; i < d->attributes.size(); ++i) {
      const AttrSpec& a = d->attributes[i];
      std::cout << (i ? ", " : "") << "[" << quoted(a.name) << ", " << quoted(attr_type_name(a.type)) << ", " << a.since
                << ", " << a.until << "]";
    }
    std::cout << "]}\n";
  }
  return 0;
}
