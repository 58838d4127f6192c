// AsyncCheckpointWriter: the caller goes on while a write runs, the file holds the state handed over
// (a deep copy, not the live tensors), at most one write is in flight, and a write is complete when
// wait() returns or the writer is destroyed. Writes are held back by a gate the test opens, never by
// a sleep, so nothing here depends on timing.
#include <gtest/gtest.h>

#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <thread>

#include "ckpt/async_writer.h"
#include "ckpt/run_dir.h"
#include "core/error.h"
#include "fixture/sample_checkpoint.h"
#include "temp_dir.h"

using namespace synthview;
using synthview::test_files::TempDir;

namespace {

// A write that blocks until open() and records the order in which writes begin and end.
class GatedWrites {
 public:
  ckpt::AsyncCheckpointWriter::WriteFn write_fn() {
    return [this](const std::string& path, const ckpt::Checkpoint& checkpoint) {
      log("begin " + std::filesystem::path(path).filename().string());
      {
        std::unique_lock<std::mutex> lock(mutex_);
        opened_.wait(lock, [this] { return open_; });
      }
      ckpt::write_checkpoint(path, checkpoint);
      log("end " + std::filesystem::path(path).filename().string());
    };
  }
  void open() {
    std::lock_guard<std::mutex> lock(mutex_);
    open_ = true;
    opened_.notify_all();
  }
  std::vector<std::string> events() {
    std::lock_guard<std::mutex> lock(mutex_);
    return events_;
  }

 private:
  void log(const std::string& event) {
    std::lock_guard<std::mutex> lock(mutex_);
    events_.push_back(event);
  }
  std::mutex mutex_;
  std::condition_variable opened_;
  bool open_ = false;
  std::vector<std::string> events_;
};

// The "training state": live tensors a step loop mutates in place, and its capture for a checkpoint.
ckpt::Checkpoint capture(int64_t step, const ckpt::NamedTensors& live) {
  ckpt::Checkpoint c = test_files::sample_checkpoint(step);
  c.model.encoder = ckpt::host_copies(live);
  return c;
}

void expect_holds(const std::string& path, int64_t step, const ckpt::NamedTensors& expected) {
  ckpt::Checkpoint read = ckpt::read_checkpoint(path);
  EXPECT_EQ(read.train.step, step);
  std::map<std::string, torch::Tensor> found(read.model.encoder.begin(), read.model.encoder.end());
  ASSERT_EQ(found.size(), expected.size());
  for (const auto& [name, tensor] : expected) {
    SCOPED_TRACE(name);
    ASSERT_TRUE(found.count(name));
    EXPECT_TRUE(torch::equal(found[name], tensor));
  }
}

}  // namespace

// While the write is held back, the "loop" takes more steps that change every parameter in place; the
// file then holds the parameters as they were when captured.
TEST(AsyncCheckpointWriter, LoopContinuesAndFileHoldsTheCapturedState) {
  TempDir dir;
  GatedWrites gate;
  ckpt::AsyncCheckpointWriter writer(gate.write_fn());
  ckpt::NamedTensors live = test_files::tiny_resnet18_encoder(1);
  ckpt::NamedTensors at_step_3 = ckpt::host_copies(live);
  const std::string path = ckpt::checkpoint_path(dir.path().string(), 3);

  writer.start(path, capture(3, live));
  for (int step = 4; step <= 6; ++step) {
    for (auto& [name, tensor] : live) tensor.mul_(-0.5).add_(step);  // as an optimizer step does
  }
  EXPECT_TRUE(writer.in_flight());
  EXPECT_FALSE(writer.finished());  // the write cannot have ended: its gate is still shut
  EXPECT_FALSE(std::filesystem::exists(path));

  gate.open();
  writer.wait();
  EXPECT_FALSE(writer.in_flight());
  expect_holds(path, 3, at_step_3);
  EXPECT_FALSE(torch::equal(live[0].second, at_step_3[0].second));  // the loop really changed them
}

TEST(AsyncCheckpointWriter, HostCopyIsDeepAndContiguous) {
  torch::Tensor live = torch::arange(12, torch::kFloat).view({3, 4}).t();  // non-contiguous view
  torch::Tensor copy = ckpt::host_copy(live);
  EXPECT_TRUE(copy.is_contiguous());
  EXPECT_TRUE(torch::equal(copy, live));
  live.add_(1);
  EXPECT_EQ(copy[0][0].item<float>(), 0.0f);
  EXPECT_NE(copy.data_ptr(), live.data_ptr());
  torch::Tensor contiguous = torch::ones({4});
  EXPECT_NE(ckpt::host_copy(contiguous).data_ptr(), contiguous.data_ptr());  // even when no copy is needed
}

// A second start waits for the first write to end before its own begins; after_write (rotation)
// runs once the file is in place.
TEST(AsyncCheckpointWriter, AtMostOneWriteInFlight) {
  TempDir dir;
  GatedWrites gate;
  ckpt::AsyncCheckpointWriter writer(gate.write_fn());
  ckpt::NamedTensors live = test_files::tiny_resnet18_encoder(1);
  std::vector<std::string> rotated;
  auto after = [&](const std::string& path) { rotated.push_back(std::filesystem::path(path).filename()); };

  writer.start(ckpt::checkpoint_path(dir.path().string(), 3), capture(3, live), after);
  // The gate opens from another thread while start() below is (correctly) blocked on the first write.
  // Were start() not to wait, the second write would begin before the first ended: the order shows it.
  std::thread opener([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    gate.open();
  });
  writer.start(ckpt::checkpoint_path(dir.path().string(), 6), capture(6, live), after);
  writer.wait();
  opener.join();
  EXPECT_EQ(gate.events(), (std::vector<std::string>{"begin step-00000003.h5", "end step-00000003.h5",
                                                     "begin step-00000006.h5", "end step-00000006.h5"}));
  EXPECT_EQ(rotated, (std::vector<std::string>{"step-00000003.h5", "step-00000006.h5"}));
}

// Destroying the writer (train returning, or unwinding after an error) waits for the write in flight:
// the file is complete, verified, and no temporary file is left.
TEST(AsyncCheckpointWriter, FinalWriteIsCompleteWhenTheWriterGoesAway) {
  TempDir dir;
  const std::string path = ckpt::checkpoint_path(dir.path().string(), 6);
  ckpt::NamedTensors live = test_files::tiny_resnet18_encoder(1);
  ckpt::NamedTensors at_step_6 = ckpt::host_copies(live);
  {
    GatedWrites gate;
    ckpt::AsyncCheckpointWriter writer(gate.write_fn());
    writer.start(path, capture(6, live));
    gate.open();
  }
  EXPECT_EQ(ckpt::verify_checkpoint(path).step, 6);
  expect_holds(path, 6, at_step_6);
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(std::filesystem::path(path).parent_path())) {
    names.push_back(entry.path().filename());
  }
  EXPECT_EQ(names, std::vector<std::string>{"step-00000006.h5"});
}

// A failed write is reported by wait() with its message, once; a failure nobody collected stops the
// next start() (the caller decides what it means); after_write does not run for a failed write.
TEST(AsyncCheckpointWriter, FailureIsRethrownByWaitAndByTheNextStart) {
  TempDir dir;
  auto failing = [](const std::string& path, const ckpt::Checkpoint&) {
    throw Error(str("cannot write checkpoint '", path, "': No space left on device"));
  };
  ckpt::AsyncCheckpointWriter writer(failing);
  const std::string path = ckpt::checkpoint_path(dir.path().string(), 3);
  bool after_ran = false;
  writer.start(path, test_files::sample_checkpoint(3), [&](const std::string&) { after_ran = true; });
  try {
    writer.wait();
    FAIL() << "expected the write's Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  }
  EXPECT_FALSE(after_ran);
  EXPECT_NO_THROW(writer.wait());  // reported once

  writer.start(path, test_files::sample_checkpoint(3));
  while (!writer.finished()) std::this_thread::yield();
  EXPECT_TRUE(writer.failed());
  EXPECT_THROW(writer.start(ckpt::checkpoint_path(dir.path().string(), 6), test_files::sample_checkpoint(6)), Error);
  EXPECT_FALSE(writer.in_flight());  // the failure was collected and nothing new started
}

// Without a thread-safe libhdf5 the writer writes inside start(); the file is in place when start()
// returns, and success and failure are reported exactly as for a background write.
TEST(AsyncCheckpointWriter, ForegroundWriterFinishesInsideStartAndReportsTheSameWay) {
  TempDir dir;
  ckpt::AsyncCheckpointWriter writer({}, /*background=*/false);
  const std::string path = ckpt::checkpoint_path(dir.path().string(), 4);
  bool after_ran = false;
  writer.start(path, test_files::sample_checkpoint(4), [&](const std::string&) { after_ran = true; });
  EXPECT_TRUE(std::filesystem::exists(path));
  EXPECT_TRUE(after_ran);
  EXPECT_TRUE(writer.in_flight());
  EXPECT_TRUE(writer.finished());
  EXPECT_FALSE(writer.failed());
  EXPECT_NO_THROW(writer.wait());
  EXPECT_FALSE(writer.in_flight());
  EXPECT_EQ(ckpt::read_checkpoint(path).train.step, 4);

  ckpt::AsyncCheckpointWriter failing(
      [](const std::string& p, const ckpt::Checkpoint&) { throw Error(str("cannot write checkpoint '", p, "'")); },
      /*background=*/false);
  failing.start(path, test_files::sample_checkpoint(5));
  EXPECT_TRUE(failing.failed());
  EXPECT_THROW(failing.wait(), Error);
  EXPECT_NO_THROW(failing.wait());  // reported once
}
