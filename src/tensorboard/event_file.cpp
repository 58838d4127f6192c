#include "tensorboard/event_file.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <system_error>

namespace synthview::tensorboard {
namespace {

namespace fs = std::filesystem;
constexpr const char* kPrefix = "events.out.tfevents.";

// The <seconds> of an event file name, or 0 for any other name.
long long seconds_of(const std::string& name) {
  if (name.rfind(kPrefix, 0) != 0) return 0;
  return std::strtoll(name.c_str() + std::char_traits<char>::length(kPrefix), nullptr, 10);
}

std::string host_name() {
  char name[256] = {};
  if (gethostname(name, sizeof(name) - 1) != 0 || name[0] == '\0') return "localhost";
  return name;
}

}  // namespace

std::string new_event_file_path(const std::string& folder, const std::string& kind) {
  long long seconds = std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::system_clock::now().time_since_epoch()).count();
  std::error_code error;
  for (fs::directory_iterator it(folder, error), end; !error && it != end; it.increment(error)) {
    seconds = std::max(seconds, seconds_of(it->path().filename().string()) + 1);
  }
  char stamp[32];
  std::snprintf(stamp, sizeof(stamp), "%010lld", seconds);
  return (fs::path(folder) / (std::string(kPrefix) + stamp + "." + host_name() + "." + std::to_string(getpid()) +
                              "." + kind)).string();
}

}  // namespace synthview::tensorboard
