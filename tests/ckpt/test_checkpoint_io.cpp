#include <gtest/gtest.h>

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "ckpt/checkpoint.h"
#include "core/error.h"
#include "fixture/sample_checkpoint.h"
#include "h5/h5.h"
#include "temp_dir.h"
#include "../support/file_bytes.h"
#include "../support/input_error.h"

using namespace synthview;
using synthview::test_files::TempDir;

using synthview::test_support::input_error_message;
using synthview::test_support::read_bytes;
using synthview::test_support::write_bytes;

namespace {

void expect_same_tensors(const ckpt::NamedTensors& expected, const ckpt::NamedTensors& found) {
  // The reader returns names sorted; compare as sorted maps.
  std::map<std::string, torch::Tensor> a(expected.begin(), expected.end()), b(found.begin(), found.end());
  ASSERT_EQ(a.size(), b.size());
  for (const auto& [name, tensor] : a) {
    SCOPED_TRACE(name);
    ASSERT_TRUE(b.count(name));
    EXPECT_EQ(tensor.scalar_type(), b[name].scalar_type());
    EXPECT_EQ(tensor.sizes(), b[name].sizes());
    EXPECT_TRUE(torch::equal(tensor, b[name]));
  }
}

template <typename T>
std::map<std::string, T> as_map(const std::vector<std::pair<std::string, T>>& pairs) {
  return {pairs.begin(), pairs.end()};
}

std::vector<std::string> folder_entries(const std::filesystem::path& folder) {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(folder)) names.push_back(entry.path().filename());
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

TEST(CheckpointIo, RoundTripsEveryField) {
  TempDir dir;
  ckpt::Checkpoint written = test_files::sample_checkpoint(100);
  std::string path = dir.file("run/checkpoints/step-00000100.h5");  // folder created by the writer
  ckpt::write_checkpoint(path, written);
  ckpt::Checkpoint read = ckpt::read_checkpoint(path);

  EXPECT_EQ(read.meta.format_version, ckpt::kFormatVersion);
  EXPECT_EQ(read.meta.created.size(), 20u) << read.meta.created;  // 2026-11-25T14:53:46Z
  EXPECT_EQ(read.meta.synthview_version, ckpt::build_version());
  EXPECT_EQ(read.meta.git_sha, ckpt::build_git_sha());
  EXPECT_FALSE(read.meta.git_sha.empty());
  EXPECT_EQ(read.meta.world_size, 2);
  EXPECT_EQ(read.meta.device, "cpu");
  EXPECT_EQ(read.meta.command_line, written.meta.command_line);
  EXPECT_EQ(read.config_yaml, written.config_yaml);
  EXPECT_EQ(read.train.step, 100);
  EXPECT_EQ(read.train.samples_drawn, 6400);
  EXPECT_EQ(read.train.epoch_equivalents, written.train.epoch_equivalents);
  EXPECT_EQ(read.train.lr, 0.05);
  EXPECT_EQ(read.history.steps, written.history.steps);
  EXPECT_EQ(as_map(read.history.columns), as_map(written.history.columns));
  expect_same_tensors(written.model.encoder, read.model.encoder);
  expect_same_tensors(written.model.head, read.model.head);
  expect_same_tensors(written.model.encoder_buffers, read.model.encoder_buffers);
  EXPECT_TRUE(read.model.head_buffers.empty());
  EXPECT_EQ(read.optim.name, "sgd");
  expect_same_tensors(written.optim.tensors, read.optim.tensors);
  EXPECT_EQ(as_map(read.optim.scalars), as_map(written.optim.scalars));
  EXPECT_EQ(read.rng.seed, 7);
  EXPECT_EQ(as_map(read.rng.counters), as_map(written.rng.counters));
  expect_same_tensors(written.rng.states, read.rng.states);

  ckpt::VerifyReport report = ckpt::verify_checkpoint(path);
  EXPECT_EQ(report.step, 100);
  // encoder 3 + 4*2*3 = 27, head 2, buffers 3, optim 2, rng 1, history step + 3 columns = 4
  EXPECT_EQ(report.datasets, 27 + 2 + 3 + 2 + 1 + 4);
  EXPECT_EQ(folder_entries(dir.path() / "run/checkpoints"), std::vector<std::string>{"step-00000100.h5"});
}

TEST(CheckpointIo, LayoutIsReadableAsPlainHdf5) {
  TempDir dir;
  std::string path = dir.file("c.h5");
  ckpt::write_checkpoint(path, test_files::sample_checkpoint(5));
  h5::File file = h5::File::open_read(path);
  EXPECT_EQ(h5::read_attr_string(file, "/meta", "format"), "synthview-checkpoint");
  EXPECT_EQ(h5::read_attr_int(file, "/train", "step"), 5);
  EXPECT_TRUE(h5::exists(file, "/model/encoder/layer1.0.conv1.weight"));
  EXPECT_TRUE(h5::exists(file, "/model/buffers/encoder/bn1.running_var"));
  EXPECT_TRUE(h5::exists(file, "/optim/encoder.conv1.weight/momentum_buffer"));
  EXPECT_TRUE(h5::exists(file, "/model/buffers/head"));  // empty groups exist too
  EXPECT_EQ(h5::read_attr_double(file, "/optim", "momentum"), 0.9);
  EXPECT_EQ(h5::read_attr_int(file, "/rng", "augment_draws"), 12345);
  EXPECT_EQ(h5::read_tensor(file, "/train/history/loss").size(0), 3);
}

TEST(CheckpointIo, NewerFormatVersionIsRejected) {
  TempDir dir;
  std::string path = dir.file("c.h5");
  ckpt::write_checkpoint(path, test_files::sample_checkpoint());
  {
    h5::File file = h5::File::open_rw(path);
    h5::write_attr(file, "/meta", "format_version", ckpt::kFormatVersion + 1);
  }
  std::string message = input_error_message([&] { ckpt::read_checkpoint(path); });
  EXPECT_NE(message.find("format_version 2"), std::string::npos) << message;
  EXPECT_NE(message.find(path), std::string::npos) << message;
}

TEST(CheckpointIo, NotACheckpointIsInputError) {
  TempDir dir;
  std::string path = dir.file("plain.h5");
  {
    h5::File file = h5::File::create(path);
    h5::write_tensor(file, "/x", torch::ones({2}));
  }
  std::string message = input_error_message([&] { ckpt::verify_checkpoint(path); });
  EXPECT_NE(message.find("not a synthview checkpoint"), std::string::npos) << message;
}

// A diverged run's weights: every reader refuses them, naming the tensor (docs/reliability.md).
TEST(CheckpointIo, NonFiniteWeightsAreNamed) {
  TempDir dir;
  ckpt::Checkpoint c = test_files::sample_checkpoint(100);
  c.model.head[0].second.view(-1)[1] = std::numeric_limits<float>::infinity();
  const std::string path = dir.file("diverged.h5");
  ckpt::write_checkpoint(path, c);
  const std::string expected = "checkpoint '" + path + "': /model/head/" + c.model.head[0].first + " has 1 NaN/Inf";
  for (auto read : {+[](const std::string& p) { ckpt::read_checkpoint(p); },
                    +[](const std::string& p) { ckpt::verify_checkpoint(p); }}) {
    const std::string message = input_error_message([&] { read(path); });
    EXPECT_NE(message.find(expected), std::string::npos) << message;
  }
}

// A flipped byte inside a tensor's data: verify and read name the file and the dataset.
TEST(CheckpointIo, FlippedByteIsDetectedNamingTheDataset) {
  TempDir dir;
  std::string path = dir.file("c.h5");
  ckpt::Checkpoint c = test_files::sample_checkpoint();
  c.model.head.emplace_back("marker.weight", torch::full({2048}, 1.0f));
  ckpt::write_checkpoint(path, c);
  std::string bytes = read_bytes(path);
  std::string needle;
  for (int i = 0; i < 64; ++i) needle += std::string("\x00\x00\x80\x3f", 4);
  size_t at = bytes.find(needle);
  ASSERT_NE(at, std::string::npos);
  bytes[at + 4000] ^= 0x01;
  write_bytes(path, bytes);
  for (auto action : {+[](const std::string& p) { ckpt::verify_checkpoint(p); },
                      +[](const std::string& p) { ckpt::read_checkpoint(p); }}) {
    std::string message = input_error_message([&] { action(path); });
    EXPECT_NE(message.find(path), std::string::npos) << message;
    EXPECT_NE(message.find("/model/head/marker.weight"), std::string::npos) << message;
  }
}

TEST(CheckpointIo, TruncatedFileIsDetectedNamingThePath) {
  TempDir dir;
  std::string path = dir.file("c.h5");
  ckpt::write_checkpoint(path, test_files::sample_checkpoint());
  std::string bytes = read_bytes(path);
  for (size_t keep : {bytes.size() - 100, bytes.size() / 2, size_t(10)}) {
    write_bytes(path, bytes.substr(0, keep));
    std::string message = input_error_message([&] { ckpt::verify_checkpoint(path); });
    EXPECT_NE(message.find(path), std::string::npos) << "kept " << keep << ": " << message;
  }
}

// Disk full mid-write (RLIMIT_FSIZE in a forked child): the previous checkpoint stays readable and
// no temporary file is left behind.
TEST(CheckpointIo, FailedWriteLeavesPreviousCheckpointAndNoTempFile) {
  TempDir dir;
  std::string path = dir.file("step.h5");
  ckpt::write_checkpoint(path, test_files::sample_checkpoint(100));
  ckpt::Checkpoint big = test_files::sample_checkpoint(200);
  big.model.encoder.emplace_back("big.weight", torch::randn({1 << 20}));  // 4 MiB > the 1 MiB limit

  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    std::signal(SIGXFSZ, SIG_IGN);  // get EFBIG from write() instead of being killed
    rlimit limit{1 << 20, 1 << 20};
    setrlimit(RLIMIT_FSIZE, &limit);
    int code = 3;
    try {
      ckpt::write_checkpoint(path, big);
      code = 1;  // should not have fit
    } catch (const Error& e) {
      code = std::string(e.what()).find(path) != std::string::npos ? 0 : 2;
    }
    _exit(code);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status)) << "child died with signal " << WTERMSIG(status);
  EXPECT_EQ(WEXITSTATUS(status), 0) << "1: write succeeded, 2: error did not name the path";
  EXPECT_EQ(ckpt::verify_checkpoint(path).step, 100);
  EXPECT_EQ(ckpt::read_checkpoint(path).train.step, 100);
  EXPECT_EQ(folder_entries(dir.path()), std::vector<std::string>{"step.h5"});
}

TEST(CheckpointIo, UnwritableFolderIsErrorNamingThePath) {
  TempDir dir;
  write_bytes(dir.file("file"), "not a folder");
  std::string path = dir.file("file/step.h5");
  try {
    ckpt::write_checkpoint(path, test_files::sample_checkpoint());
    FAIL() << "expected an Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  }
}
