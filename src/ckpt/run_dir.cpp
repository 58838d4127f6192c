#include "ckpt/run_dir.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <regex>

#include "ckpt/checkpoint.h"
#include "core/error.h"

namespace synthview::ckpt {

namespace fs = std::filesystem;

std::string checkpoint_path(const std::string& run_dir, int64_t step) {
  SV_CHECK(step >= 0, "negative checkpoint step ", step);
  char name[32];
  std::snprintf(name, sizeof name, "step-%08lld.h5", static_cast<long long>(step));
  return (fs::path(run_dir) / "checkpoints" / name).string();
}

std::vector<std::pair<int64_t, std::string>> list_checkpoints(const std::string& checkpoints_dir) {
  static const std::regex pattern(R"(step-(\d{8,})\.h5)");
  std::vector<std::pair<int64_t, std::string>> found;
  std::error_code ec;
  if (!fs::is_directory(checkpoints_dir, ec)) return found;
  for (const auto& entry : fs::directory_iterator(checkpoints_dir, ec)) {
    std::smatch match;
    const std::string name = entry.path().filename().string();
    if (entry.is_regular_file(ec) && std::regex_match(name, match, pattern)) {
      found.emplace_back(std::stoll(match[1].str()), entry.path().string());
    }
  }
  if (ec) throw InputError(str("cannot list checkpoint folder '", checkpoints_dir, "': ", ec.message()));
  std::sort(found.begin(), found.end());
  return found;
}

std::optional<std::string> find_resume_checkpoint(const std::string& run_dir,
                                                  std::vector<std::string>* skipped_messages) {
  auto checkpoints = list_checkpoints((fs::path(run_dir) / "checkpoints").string());
  for (auto it = checkpoints.rbegin(); it != checkpoints.rend(); ++it) {
    try {
      verify_checkpoint(it->second);
      return it->second;
    } catch (const std::exception& e) {  // any failure to verify means: not a resume point
      if (skipped_messages != nullptr) {
        skipped_messages->push_back(str("skipping checkpoint '", it->second, "': ", e.what()));
      }
    }
  }
  return std::nullopt;
}

std::vector<std::string> rotate_checkpoints(const std::string& checkpoints_dir, int64_t keep) {
  SV_CHECK(keep >= 1, "rotate_checkpoints keep must be >= 1, got ", keep);
  std::vector<std::string> removed;
  auto checkpoints = list_checkpoints(checkpoints_dir);
  for (size_t i = 0; i + size_t(keep) < checkpoints.size(); ++i) {
    std::error_code ec;
    if (fs::remove(checkpoints[i].second, ec)) removed.push_back(checkpoints[i].second);
    if (ec) throw Error(str("cannot remove old checkpoint '", checkpoints[i].second, "': ", ec.message()));
  }
  // A writer killed mid-write leaves its temporary file; ours (this pid) may be in flight elsewhere.
  static const std::regex temp_pattern(R"(step-\d{8,}\.h5\.tmp\.(\d+))");
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(checkpoints_dir, ec)) {
    std::smatch match;
    const std::string name = entry.path().filename().string();
    if (std::regex_match(name, match, temp_pattern) && std::stoll(match[1].str()) != ::getpid()) {
      std::error_code remove_ec;
      if (fs::remove(entry.path(), remove_ec)) removed.push_back(entry.path().string());
    }
  }
  return removed;
}

}  // namespace synthview::ckpt
