// Errors carry the exit code the CLI uses (DESIGN.md): 2 bad input, 3 distributed failure, 1 other.
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>

namespace synthview {

enum class ExitCode : int { kSuccess = 0, kFailure = 1, kBadInput = 2, kDistributed = 3 };

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message, ExitCode code = ExitCode::kFailure)
      : std::runtime_error(message), code_(code) {}
  ExitCode code() const { return code_; }

 private:
  ExitCode code_;
};

// Bad config, arguments, files or models supplied by the user: exit 2.
class InputError : public Error {
 public:
  explicit InputError(const std::string& message) : Error(message, ExitCode::kBadInput) {}
};

// Timeouts, lost peers, failed collectives: exit 3.
class DistributedError : public Error {
 public:
  explicit DistributedError(const std::string& message) : Error(message, ExitCode::kDistributed) {}
};

// Builds a message from streamable parts: throw InputError(str("bad value '", v, "'")).
template <typename... Parts>
std::string str(const Parts&... parts) {
  std::ostringstream out;
  (out << ... << parts);
  return out.str();
}

}  // namespace synthview

// Internal invariant checks: these are bugs, not user errors.
#define SV_CHECK(cond, ...)                                                                   \
  do {                                                                                        \
    if (!(cond)) {                                                                            \
      throw ::synthview::Error(::synthview::str(__FILE__, ":", __LINE__, ": check '", #cond, \
                                                "' failed: ", __VA_ARGS__));                  \
    }                                                                                         \
  } while (0)
