// Runs a Python oracle script with Debian's interpreter (where python3-torch lives) and returns
// its stdout. Scripts exit with kPythonUnavailable when an import is missing; the caller then skips.
#pragma once

#include <array>
#include <cstdio>
#include <optional>
#include <string>
#include <sys/wait.h>

namespace synthview::test_support {

constexpr int kPythonUnavailable = 77;
constexpr const char* kPython = "/usr/bin/python3";

struct PythonResult {
  int exit_code = -1;
  std::string output;
  bool unavailable() const { return exit_code == kPythonUnavailable; }
};

// `arguments` must already be shell-safe (test-controlled paths and names).
inline PythonResult run_python(const std::string& script, const std::string& arguments) {
  PythonResult result;
  if (FILE* probe = std::fopen(kPython, "r")) {
    std::fclose(probe);
  } else {
    result.exit_code = kPythonUnavailable;
    return result;
  }
  const std::string command = std::string(kPython) + " " + script + " " + arguments;
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return result;
  std::array<char, 4096> buffer{};
  size_t n;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) result.output.append(buffer.data(), n);
  const int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

}  // namespace synthview::test_support
