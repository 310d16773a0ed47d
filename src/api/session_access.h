// Internal access to a Session's internals for the library's own layers (the profiler in
// src/profile/), without a public accessor in include/layerscope/session.h: Session declares
// this struct its friend, and only code inside the library can include this header.
#pragma once
#include "api/session_impl.h"

namespace layerscope {

struct SessionAccess {
  using Impl = Session::Impl;
  static Session::Impl& impl(Session& session) { return *session.impl_; }
  static std::unique_ptr<Session> create() { return std::unique_ptr<Session>(new Session()); }
};

}  // namespace layerscope
