// The boundary between internal exceptions and the public API's Status: every public entry
// point runs its body through guarded(), so no exception crosses the API.
#pragma once
#include <new>
#include <string>

#include "ir/error.h"
#include "layerscope/status.h"

namespace layerscope {

template <typename F>
Status guarded(F&& f) {
  try {
    f();
    return Status::ok();
  } catch (const Error& e) {
    return Status::error(e.what());
  } catch (const std::bad_alloc&) {
    return Status::error("out of memory");
  } catch (const std::exception& e) {
    return Status::error(std::string("internal error: ") + e.what());
  }
}

}  // namespace layerscope
