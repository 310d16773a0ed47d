// Status: how every public call reports failure (no exceptions cross the public API).
// [[nodiscard]]: a Status that is dropped is a failure nobody hears about.
#pragma once
#include <string>
#include <utility>

namespace layerscope {

// What kind of failure a Status is, for programs that react differently to each; the message
// says exactly what went wrong (file, node, op and what was expected).
enum class StatusCode {
  kOk = 0,
  kInvalidInput,        // the model, a report file or a call's arguments/inputs are not valid
  kUnsupported,         // valid, but uses something layerscope does not implement (an op, opset, type)
  kResourceExhausted,   // over the memory limit (SessionOptions::max_memory_bytes), or out of memory
  kIoError,             // a file could not be found, read or written
  kFailedPrecondition,  // a call out of order (Runtime), or one that overlaps another on another thread
  kInternal,            // an unexpected failure inside layerscope: a bug, please report it
};

// "ok", "invalid input", "unsupported", "resource exhausted", "I/O error", "failed
// precondition", "internal error".
const char* status_code_name(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // ok
  static Status ok() { return Status(); }
  static Status error(std::string message, StatusCode code = StatusCode::kInvalidInput) {
    return Status(std::move(message), code == StatusCode::kOk ? StatusCode::kInternal : code);
  }

  bool is_ok() const { return code_ == StatusCode::kOk; }
  explicit operator bool() const { return is_ok(); }
  StatusCode code() const { return code_; }
  // Human-readable description of the failure; empty when ok.
  const std::string& message() const { return message_; }

 private:
  Status(std::string message, StatusCode code) : code_(code), message_(std::move(message)) {}
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

}  // namespace layerscope
