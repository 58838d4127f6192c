// RootTask: rank 0's work is waited for by the others, bounded by rank 0's heartbeat rather than by the
// work's length, and rank 0's error reaches every rank with its message and exit code.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "dist/root_task.h"
#include "test_support.h"

namespace synthview::dist::testing {
namespace {

TEST(RootTask, RunsTheWorkOnRankZeroOnly) {
  RootTask task(MPI_COMM_WORLD, 10.0);
  int runs = 0;
  for (int i = 0; i < 3; ++i) task.run("counting", [&] { ++runs; });
  EXPECT_ON_ALL_RANKS(runs == (comm().rank() == 0 ? 3 : 0), synthview::str("ran ", runs, " times"));
}

TEST(RootTask, WorkLongerThanTheTimeoutSucceeds) {
  RootTask task(MPI_COMM_WORLD, 0.8);  // heartbeats every 0.2 s keep the others waiting
  bool ok = true;
  try {
    task.run("sleeping", [] { std::this_thread::sleep_for(std::chrono::milliseconds(2500)); });
  } catch (const std::exception& e) {
    ok = false;
    ADD_FAILURE() << e.what();
  }
  EXPECT_ON_ALL_RANKS(ok, "a slow rank-0 task failed");
}

TEST(RootTask, RankZerosErrorEndsEveryRankWithItsMessageAndCode) {
  RootTask task(MPI_COMM_WORLD, 10.0);
  std::string message;
  ExitCode code = ExitCode::kSuccess;
  try {
    task.run("reading", [] { throw InputError("checkpoint 'x.h5' is corrupt"); });
  } catch (const InputError& e) {  // rank 0: its own exception, type kept
    message = e.what();
    code = e.code();
    EXPECT_EQ(comm().rank(), 0);
  } catch (const Error& e) {
    message = e.what();
    code = e.code();
    EXPECT_NE(comm().rank(), 0);
  }
  const std::string expected =
      comm().rank() == 0 ? "checkpoint 'x.h5' is corrupt" : "rank 0: checkpoint 'x.h5' is corrupt";
  EXPECT_ON_ALL_RANKS(message == expected && code == ExitCode::kBadInput,
                      synthview::str("got '", message, "', exit code ", static_cast<int>(code)));
  // The task stays usable (the next one is matched with the next outcome, not a stale message).
  int runs = 0;
  task.run("counting", [&] { ++runs; });
  EXPECT_ON_ALL_RANKS(runs == (comm().rank() == 0 ? 1 : 0), "second task");
}

TEST(RootTask, OtherExceptionsEndWithExitCodeOne) {
  RootTask task(MPI_COMM_WORLD, 10.0);
  ExitCode code = ExitCode::kSuccess;
  try {
    task.run("writing", [] { throw std::runtime_error("disk full"); });
  } catch (const Error& e) {
    code = e.code();
  } catch (const std::runtime_error&) {
    code = ExitCode::kFailure;  // rank 0 gets its own exception back
  }
  EXPECT_ON_ALL_RANKS(code == ExitCode::kFailure, "exit code");
}

}  // namespace
}  // namespace synthview::dist::testing
