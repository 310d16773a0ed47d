// Internal error type. Everything below the public API throws layerscope::Error with a message
// that names the file / node / op involved; the API layer converts it to a Status.
#pragma once
#include <sstream>
#include <stdexcept>
#include <string>

#include "layerscope/status.h"

namespace layerscope {

// The public StatusCode the API reports for this error (kInvalidInput unless the throw site
// says otherwise with fail_with()).
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& what, StatusCode code = StatusCode::kInvalidInput)
      : std::runtime_error(what), code_(code) {}
  StatusCode code() const { return code_; }

 private:
  StatusCode code_;
};

namespace detail {
inline void append(std::ostringstream&) {}
template <typename T, typename... R>
void append(std::ostringstream& os, const T& v, const R&... rest) {
  os << v;
  append(os, rest...);
}
}  // namespace detail

// fail("node '", name, "': expected ", n, " inputs") throws Error with the concatenation.
template <typename... A>
[[noreturn]] void fail(const A&... parts) {
  std::ostringstream os;
  detail::append(os, parts...);
  throw Error(os.str());
}

// fail() with a StatusCode other than kInvalidInput: fail_with(StatusCode::kUnsupported, ...).
template <typename... A>
[[noreturn]] void fail_with(StatusCode code, const A&... parts) {
  std::ostringstream os;
  detail::append(os, parts...);
  throw Error(os.str(), code);
}

#define LS_CHECK(cond, ...)                       \
  do {                                            \
    if (!(cond)) ::layerscope::fail(__VA_ARGS__); \
  } while (0)

}  // namespace layerscope
