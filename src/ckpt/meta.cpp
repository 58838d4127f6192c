#include <ctime>

#include "ckpt/checkpoint.h"

namespace synthview::ckpt {

std::string build_git_sha() { return SYNTHVIEW_GIT_SHA; }

std::string build_version() { return SYNTHVIEW_VERSION; }

std::string iso_time_now() {
  std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

}  // namespace synthview::ckpt
