// What every harness asserts (docs/reliability.md): a reader given any bytes returns or throws
// synthview::InputError (exit 2, one line). Any other exception is a bug that would reach the user as
// exit 1 or a LibTorch backtrace, so it aborts and libFuzzer records the input as a crash; crashes,
// leaks, hangs (-timeout) and huge allocations (-rss_limit_mb / -malloc_limit_mb) are caught by
// libFuzzer and the sanitizers.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <string>

#include "core/error.h"

namespace synthview::fuzz {

// Returns true when `read` returned, false when it threw InputError; aborts on anything else.
template <typename Read>
bool returns_or_input_error(Read&& read) {
  try {
    read();
    return true;
  } catch (const InputError&) {
    return false;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "contract broken: not an InputError: %s\n", e.what());
    std::abort();
  }
}

// A property of a result that must hold; aborts with `what` otherwise.
inline void require(bool holds, const char* what) {
  if (!holds) {
    std::fprintf(stderr, "contract broken: %s\n", what);
    std::abort();
  }
}

// The readers take paths: the input goes to a per-process file (in $TMPDIR or /tmp), rewritten each run.
inline std::string write_input(const uint8_t* data, size_t size, const std::string& name) {
  const char* folder = std::getenv("TMPDIR");
  const std::string path = std::string(folder ? folder : "/tmp") + "/synthview-fuzz-" + std::to_string(::getpid()) +
                           "-" + name;
  std::ofstream(path, std::ios::binary | std::ios::trunc).write(reinterpret_cast<const char*>(data), size);
  return path;
}

}  // namespace synthview::fuzz
