// EventWriter never stops its caller: the first failure warns once, later calls do nothing.
// The file's contents are checked by TensorBoard's own reader in reader.sh.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>

#include "tensorboard/event_file.h"
#include "tensorboard/event_writer.h"

namespace synthview::tensorboard {
namespace {

namespace fs = std::filesystem;

int count(const std::string& text, const std::string& word) {
  int found = 0;
  for (size_t at = text.find(word); at != std::string::npos; at = text.find(word, at + 1)) ++found;
  return found;
}

TEST(EventWriter, FullDiskWarnsOnceAndNeverThrows) {
  testing::internal::CaptureStderr();
  EventWriter writer("/dev/full");
  for (int step = 1; step <= 50; ++step) {
    writer.scalars(step, {{"train/loss", 1.0 / step}});
    writer.text("config", step, std::string(10000, 'x'));
    writer.flush();
  }
  const std::string warnings = testing::internal::GetCapturedStderr();
  EXPECT_FALSE(writer.ok());
  EXPECT_EQ(count(warnings, "warning"), 1) << warnings;
  EXPECT_NE(warnings.find("/dev/full"), std::string::npos) << warnings;
}

TEST(EventWriter, UncreatableFolderWarnsOnce) {
  testing::internal::CaptureStderr();
  EventWriter writer("/dev/null/run", "train", 1);  // a folder inside a device file cannot exist
  writer.scalars(1, {{"train/loss", 1.0}});
  writer.flush();
  const std::string warnings = testing::internal::GetCapturedStderr();
  EXPECT_FALSE(writer.ok());
  EXPECT_EQ(count(warnings, "warning"), 1) << warnings;
}

TEST(EventFile, NamesSortInWritingOrderWithinOneSecond) {
  const fs::path folder = fs::temp_directory_path() / ("synthview-events-" + std::to_string(::getpid()));
  fs::remove_all(folder);
  fs::create_directories(folder);
  const long long now =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  // A file from "the future" (another host's clock, or a run started this same second).
  std::ofstream(folder / ("events.out.tfevents." + std::to_string(now + 100) + ".host.1.train")).put('x');
  const std::string first = new_event_file_path(folder.string(), "train");
  EXPECT_EQ(fs::path(first).filename().string().substr(0, 30),
            "events.out.tfevents." + std::to_string(now + 101));
  { EventWriter writer(folder.string(), "eval", std::nullopt); }
  const std::string second = new_event_file_path(folder.string(), "train");
  EXPECT_EQ(fs::path(second).filename().string().substr(0, 30),
            "events.out.tfevents." + std::to_string(now + 102));
  fs::remove_all(folder);
}

}  // namespace
}  // namespace synthview::tensorboard
