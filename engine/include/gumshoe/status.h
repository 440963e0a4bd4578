// Status and Result<T>: the error currency between gumshoe's layers.
//
// A Status is either OK or carries a code and a one-line message meant for a
// person ("store /x/y: schema version 3, this build reads 1"). Result<T> holds a
// T or a non-OK Status. Both are [[nodiscard]]: ignoring one is a bug.
// Exceptions never cross a layer boundary; every public fallible call returns
// one of these. Thread-safety: plain values, safe to copy between threads.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace gumshoe {

class [[nodiscard]] Status {
 public:
  enum class Code {
    kOk = 0,
    kInvalidArgument,  // the caller asked for something malformed (usage error)
    kNotFound,         // an entity, file or store that does not exist
    kCorruption,       // stored or input bytes that cannot be decoded
    kIoError,          // the operating system or RocksDB failed to read/write
    kIncompatible,     // a store written by an incompatible schema version
    kLimitExceeded,    // a configured size limit was hit
    kInternal,         // a bug
  };

  Status() = default;
  static Status Ok() { return Status(); }
  static Status InvalidArgument(std::string msg) { return Status(Code::kInvalidArgument, std::move(msg)); }
  static Status NotFound(std::string msg) { return Status(Code::kNotFound, std::move(msg)); }
  static Status Corruption(std::string msg) { return Status(Code::kCorruption, std::move(msg)); }
  static Status IoError(std::string msg) { return Status(Code::kIoError, std::move(msg)); }
  static Status Incompatible(std::string msg) { return Status(Code::kIncompatible, std::move(msg)); }
  static Status LimitExceeded(std::string msg) { return Status(Code::kLimitExceeded, std::move(msg)); }
  static Status Internal(std::string msg) { return Status(Code::kInternal, std::move(msg)); }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  // "NotFound: no entity ip_address:1.2.3.4"
  std::string ToString() const;

 private:
  Status(Code code, std::string msg) : code_(code), message_(std::move(msg)) {}
  Code code_ = Code::kOk;
  std::string message_;
};

const char* StatusCodeName(Status::Code code);

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}                 // NOLINT(google-explicit-constructor)
  Result(Status status) : v_(std::move(status)) { assert(!std::get<Status>(v_).ok()); }  // NOLINT

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  // REQUIRES: ok()
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace gumshoe

#define GUMSHOE_CONCAT_INNER(a, b) a##b
#define GUMSHOE_CONCAT(a, b) GUMSHOE_CONCAT_INNER(a, b)

// Returns the Status from the enclosing function when `expr` is not OK.
#define GUMSHOE_RETURN_IF_ERROR(expr)               \
  do {                                              \
    ::gumshoe::Status gumshoe_status_ = (expr);     \
    if (!gumshoe_status_.ok()) return gumshoe_status_; \
  } while (0)

// `GUMSHOE_ASSIGN_OR_RETURN(auto x, F())` binds the value of a Result or returns its Status.
#define GUMSHOE_ASSIGN_OR_RETURN(lhs, expr)                                   \
  auto GUMSHOE_CONCAT(gumshoe_result_, __LINE__) = (expr);                  \
  if (!GUMSHOE_CONCAT(gumshoe_result_, __LINE__).ok())                      \
    return GUMSHOE_CONCAT(gumshoe_result_, __LINE__).status();              \
  lhs = std::move(GUMSHOE_CONCAT(gumshoe_result_, __LINE__)).value()
