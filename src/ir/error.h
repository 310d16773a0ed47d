// Internal error type. Everything below the public API throws layerscope::Error with a message
// that names the file / node / op involved; the API layer converts it to a Status.
#pragma once
#include <sstream>
#include <stdexcept>
#include <string>

namespace layerscope {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& what) : std::runtime_error(what) {}
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

#define LS_CHECK(cond, ...)                  \
  do {                                       \
    if (!(cond)) ::layerscope::fail(__VA_ARGS__); \
  } while (0)

}  // namespace layerscope
