#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "ckpt/checkpoint.h"
#include "ckpt/run_dir.h"
#include "core/error.h"
#include "fixture/sample_checkpoint.h"
#include "temp_dir.h"

using namespace synthview;
using synthview::test_files::TempDir;
namespace fs = std::filesystem;

namespace {

void truncate_file(const std::string& path, uintmax_t size) { fs::resize_file(path, size); }

void touch(const std::string& path) { std::ofstream(path) << "x"; }

}  // namespace

TEST(RunDir, CheckpointPathAndListing) {
  TempDir dir;
  EXPECT_EQ(ckpt::checkpoint_path("runs/a", 100), "runs/a/checkpoints/step-00000100.h5");
  EXPECT_EQ(ckpt::checkpoint_path("r", 123456789), "r/checkpoints/step-123456789.h5");
  std::string run = dir.path().string();
  for (int64_t step : {300, 20, 1000}) ckpt::write_checkpoint(ckpt::checkpoint_path(run, step), test_files::sample_checkpoint(step));
  touch(dir.file("checkpoints/notes.txt"));
  touch(dir.file("checkpoints/step-00000400.h5.tmp.1"));
  auto found = ckpt::list_checkpoints(dir.file("checkpoints"));
  ASSERT_EQ(found.size(), 3u);
  EXPECT_EQ(found[0].first, 20);
  EXPECT_EQ(found[1].first, 300);
  EXPECT_EQ(found[2].first, 1000);
  EXPECT_EQ(found[2].second, ckpt::checkpoint_path(run, 1000));
  EXPECT_TRUE(ckpt::list_checkpoints(dir.file("missing")).empty());
}

TEST(RunDir, ResumeAutoSkipsCorruptNewest) {
  TempDir dir;
  std::string run = dir.path().string();
  EXPECT_EQ(ckpt::find_resume_checkpoint(run), std::nullopt);  // no checkpoints folder yet
  for (int64_t step : {100, 200, 300}) ckpt::write_checkpoint(ckpt::checkpoint_path(run, step), test_files::sample_checkpoint(step));
  EXPECT_EQ(ckpt::find_resume_checkpoint(run), ckpt::checkpoint_path(run, 300));

  truncate_file(ckpt::checkpoint_path(run, 300), 1000);
  touch(ckpt::checkpoint_path(run, 400));  // not HDF5 at all
  std::vector<std::string> skipped;
  EXPECT_EQ(ckpt::find_resume_checkpoint(run, &skipped), ckpt::checkpoint_path(run, 200));
  ASSERT_EQ(skipped.size(), 2u);
  EXPECT_NE(skipped[0].find("step-00000400.h5"), std::string::npos) << skipped[0];
  EXPECT_NE(skipped[1].find("step-00000300.h5"), std::string::npos) << skipped[1];

  truncate_file(ckpt::checkpoint_path(run, 200), 10);
  truncate_file(ckpt::checkpoint_path(run, 100), 0);
  EXPECT_EQ(ckpt::find_resume_checkpoint(run), std::nullopt);
}

TEST(RunDir, RotationKeepsNewestAndRemovesDeadWritersTempFiles) {
  TempDir dir;
  std::string run = dir.path().string();
  for (int64_t step : {10, 20, 30, 40, 50}) ckpt::write_checkpoint(ckpt::checkpoint_path(run, step), test_files::sample_checkpoint(step));
  touch(dir.file("checkpoints/notes.txt"));
  touch(dir.file("checkpoints/step-00000060.h5.tmp.999999999"));  // a killed writer's leftover
  std::string own_temp = dir.file("checkpoints/step-00000070.h5.tmp." + std::to_string(::getpid()));
  touch(own_temp);  // this process's own in-flight write is never touched

  auto removed = ckpt::rotate_checkpoints(dir.file("checkpoints"), 2);
  EXPECT_EQ(removed.size(), 4u);
  auto left = ckpt::list_checkpoints(dir.file("checkpoints"));
  ASSERT_EQ(left.size(), 2u);
  EXPECT_EQ(left[0].first, 40);
  EXPECT_EQ(left[1].first, 50);
  EXPECT_TRUE(fs::exists(dir.file("checkpoints/notes.txt")));
  EXPECT_TRUE(fs::exists(own_temp));
  EXPECT_FALSE(fs::exists(dir.file("checkpoints/step-00000060.h5.tmp.999999999")));

  EXPECT_TRUE(ckpt::rotate_checkpoints(dir.file("checkpoints"), 5).empty());
  EXPECT_THROW(ckpt::rotate_checkpoints(dir.file("checkpoints"), 0), Error);
}
