// The boundary between internal exceptions and the public API's Status: every public entry
// point runs its body through guarded(), so no exception crosses the API. Messages leave with
// control bytes escaped (ir/printable.h), whatever text from a file went into them.
#pragma once
#include <new>
#include <string>

#include "ir/error.h"
#include "layerscope/printable.h"
#include "layerscope/status.h"

namespace layerscope {

// The other direction, inside a guarded body: a failed Status from a nested public call is thrown
// on with its code (and `suffix` appended to its message).
inline void throw_if_error(const Status& st, const std::string& suffix = "") {
  if (!st) throw Error(st.message() + suffix, st.code());
}

template <typename F>
Status guarded(F&& f) {
  try {
    f();
    return Status::ok();
  } catch (const Error& e) {
    return Status::error(printable_message(e.what()), e.code());
  } catch (const std::bad_alloc&) {
    return Status::error("out of memory", StatusCode::kResourceExhausted);
  } catch (const std::exception& e) {
    return Status::error(printable_message(std::string("internal error: ") + e.what()), StatusCode::kInternal);
  }
}

// guarded() for a call on one model: a failure whose message does not already name the model
// file gets "'<path>': " in front, so an error from deep inside (a node's shape inference, an
// input's shape) says which model it is about, as the loader's own errors do.
template <typename F>
Status guarded_for_model(const std::string& model_path, F&& f) {
  Status st = guarded(std::forward<F>(f));
  if (st || model_path.empty() || st.message().find("'" + model_path + "'") != std::string::npos) return st;
  return Status::error("'" + printable_message(model_path) + "': " + st.message(), st.code());
}

}  // namespace layerscope
