// Ranks agree on the training state (DESIGN.md invariant 8), on 2 and 3 ranks with tests/train/tiny.yaml.
// The old `--resume auto` bug is reproduced with the real functions: rank 0 restores the checkpoint its
// node-local run.dir holds while the others, whose run.dir is empty, start fresh. check_ranks_agree must
// name the others (exit 3), and share_rank0_state must make every rank hold rank 0's state bit for bit.
#include <gtest/gtest.h>

#include "ckpt/checkpoint.h"
#include "core/error.h"
#include "temp_dir.h"
#include "train/agreement.h"
#include "train/components.h"
#include "train/state.h"

namespace synthview::train {
namespace {

Config tiny_config(std::vector<std::string> overrides = {}) {
  overrides.push_back("dist.timeout_s=60");
  return load_config(SYNTHVIEW_TINY_CONFIG, overrides);
}

// True on every rank iff `ok` on every rank (so a failure on one rank fails the test on all).
bool on_all_ranks(dist::Communicator& comm, bool ok) {
  torch::Tensor flag = torch::tensor({int64_t{ok ? 1 : 0}});
  comm.all_reduce(flag, dist::kMin);
  return flag.item<int64_t>() == 1;
}

// The error check_ranks_agree raises here, or "" (with its exit code in *code).
std::string disagreement(const Components& parts, int64_t step, int64_t samples_drawn, ExitCode* code = nullptr) {
  try {
    check_ranks_agree(parts, step, samples_drawn);
  } catch (const Error& e) {
    if (code != nullptr) *code = e.code();
    return e.what();
  }
  return "";
}

// One optimizer update with made-up gradients: parameters move and the optimizer gets state.
void take_a_step(Components& parts) {
  for (auto& p : parts.model->parameters()) p.mutable_grad() = torch::full_like(p, 0.01);
  parts.optimizer->step();
}

std::string others(int world) { return world == 2 ? "rank(s) 1 " : "rank(s) 1, 2 "; }

class Agreement : public ::testing::TestWithParam<std::string> {};

TEST_P(Agreement, EachRankReadingItsOwnRunDirIsCaughtAndSharingFixesIt) {
  const Config config = tiny_config({"optim.name=" + GetParam()});
  Components parts = build_components(config);
  dist::Communicator& comm = *parts.comm;
  if (comm.size() == 1) GTEST_SKIP() << "needs 2 or more ranks";
  test_files::TempDir run_dir;  // node-local: only rank 0's holds a checkpoint
  ckpt::MetricHistory history;
  int64_t step = 0, samples_drawn = 0;
  if (comm.rank() == 0) {
    // Rank 0's earlier run wrote a checkpoint at step 3; this run starts over and restores it.
    take_a_step(parts);
    EXPECT_FALSE(parts.optimizer->state().empty());
    record_history(history, 3, {{"loss", 4.25}, {"top1", 0.5}});
    const std::string path = run_dir.file("step-00000003.h5");
    ckpt::write_checkpoint(path, capture_state({config, "test", parts, history, 3, 36, 0.1}));
    torch::NoGradGuard no_grad;
    for (auto& p : parts.model->parameters()) p.zero_();
    parts.optimizer->state().clear();
    history = ckpt::MetricHistory();
    RestoredCounters counters = restore_state(path, config, parts, history);
    step = counters.step;
    samples_drawn = counters.samples_drawn;
  }

  ExitCode code = ExitCode::kSuccess;
  const std::string error = disagreement(parts, step, samples_drawn, &code);
  const bool named = error.rfind(others(comm.size()) + "disagree with rank 0", 0) == 0 &&
                     error.find("rank 1 has step 0 (rank 0: 3), samples_drawn 0 (rank 0: 36), parameters checksum") !=
                         std::string::npos &&
                     error.find("optimizer state checksum") != std::string::npos &&
                     error.find("buffers") == std::string::npos && code == ExitCode::kDistributed;
  EXPECT_TRUE(on_all_ranks(comm, named)) << "rank " << comm.rank() << ": " << error;

  share_rank0_state(parts, history, step, samples_drawn);
  const bool shared = step == 3 && samples_drawn == 36 && history.steps == std::vector<int64_t>{3} &&
                      history.columns.size() == 2 && history.columns[0].first == "loss" &&
                      history.columns[0].second == std::vector<double>{4.25} && !parts.optimizer->state().empty();
  EXPECT_TRUE(on_all_ranks(comm, shared)) << "rank " << comm.rank() << " did not receive rank 0's counters";
  const std::string after = disagreement(parts, step, samples_drawn);
  EXPECT_TRUE(on_all_ranks(comm, after.empty())) << "rank " << comm.rank() << ": " << after;
}

INSTANTIATE_TEST_SUITE_P(Optimizers, Agreement, ::testing::Values("sgd", "adamw"));

TEST(AgreementCheck, FreshStartAgrees) {
  Components parts = build_components(tiny_config());
  const std::string error = disagreement(parts, 0, 0);
  EXPECT_TRUE(on_all_ranks(*parts.comm, error.empty())) << error;
}

TEST(AgreementCheck, NamesOnlyTheRankThatDiffersAndWhat) {
  Components parts = build_components(tiny_config());
  dist::Communicator& comm = *parts.comm;
  if (comm.size() == 1) GTEST_SKIP() << "needs 2 or more ranks";
  const int last = comm.size() - 1;
  if (comm.rank() == last) {
    torch::NoGradGuard no_grad;
    parts.model->named_buffers()["encoder.bn1.running_mean"][0] += 1;
  }
  const std::string error = disagreement(parts, 0, 0);
  const bool named = error.rfind(str("rank(s) ", last, " disagree with rank 0 on the training state: rank ", last,
                                     " has buffers checksum "), 0) == 0 &&
                     error.find("parameters") == std::string::npos;
  EXPECT_TRUE(on_all_ranks(comm, named)) << "rank " << comm.rank() << ": " << error;
}

TEST(AgreementCheck, ChecksumSeesEveryBitNameAndShape) {
  torch::Tensor a = torch::zeros({2, 3});
  const uint64_t base = checksum({{"w", a}});
  EXPECT_EQ(base, checksum({{"w", a.clone()}}));
  EXPECT_NE(base, checksum({{"w", -a}}));  // -0.0 has another bit pattern
  EXPECT_NE(base, checksum({{"v", a}}));
  EXPECT_NE(base, checksum({{"w", a.view({3, 2})}}));
  EXPECT_NE(base, checksum({{"w", a.to(torch::kDouble)}}));
}

}  // namespace
}  // namespace synthview::train
