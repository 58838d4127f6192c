// `synthview eval --baselines` (train::evaluate): one load of the real images serves three subjects,
// and each subject's result equals the one computed on its own: the checkpoint alone, an untrained
// encoder alone (`eval --random-init` with the checkpoint's config), and raw pixels probed directly.
// Runs on 1, 2 and 3 ranks (features are computed by every rank and gathered).
#include <gtest/gtest.h>

#include "ckpt/checkpoint.h"
#include "eval/idx.h"
#include "eval/images.h"
#include "eval/knn.h"
#include "eval/linear_probe.h"
#include "temp_dir.h"
#include "train/components.h"
#include "train/evaluate.h"
#include "train/state.h"

namespace synthview::train {
namespace {

void expect_same_scores(const eval::EvalReport& found, const eval::EvalReport& expected, const std::string& what) {
  ASSERT_TRUE(found.linear && expected.linear) << what;
  EXPECT_EQ(found.linear->test.top1, expected.linear->test.top1) << what;
  EXPECT_EQ(found.linear->test.top5, expected.linear->test.top5) << what;
  EXPECT_EQ(found.linear->train.top1, expected.linear->train.top1) << what;
  ASSERT_EQ(found.knn.size(), expected.knn.size()) << what;
  for (size_t i = 0; i < found.knn.size(); ++i) {
    EXPECT_EQ(found.knn[i].k, expected.knn[i].k) << what;
    EXPECT_EQ(found.knn[i].test.top1, expected.knn[i].test.top1) << what << " k=" << found.knn[i].k;
  }
  EXPECT_EQ(found.feature_dim, expected.feature_dim) << what;
  EXPECT_EQ(found.train_count, expected.train_count) << what;
}

// Raw pixels probed directly: the encoder input of `config`, flattened; the probes fit on
// fit_split[fit_first : fit_first + fit_count] and are scored on score_split[score_first : +score_count].
eval::EvalReport pixels_by_hand(const Config& config, const eval::LabeledImages& fit_split, int64_t fit_first,
                                int64_t fit_count, const eval::LabeledImages& score_split, int64_t score_first,
                                int64_t score_count) {
  auto [channels, size] = encoder_input_shape(config);
  auto pixels = [&, channels = channels, size = size](const eval::LabeledImages& split, int64_t first, int64_t n) {
    return eval::to_encoder_input(split.images.narrow(0, first, n), channels, size).flatten(1);
  };
  eval::EvalReport report;
  report.train_count = fit_count;
  report.feature_dim = channels * size * size;
  const torch::Tensor fit_labels = fit_split.labels.narrow(0, fit_first, fit_count);
  const torch::Tensor score_labels = score_split.labels.narrow(0, score_first, score_count);
  report.linear = eval::linear_probe(pixels(fit_split, fit_first, fit_count), fit_labels,
                                     pixels(score_split, score_first, score_count), score_labels);
  report.knn = eval::knn_classify(pixels(fit_split, fit_first, fit_count), fit_labels,
                                  pixels(score_split, score_first, score_count), score_labels);
  return report;
}

TEST(Evaluate, BaselinesShareTheDataAndEqualTheirStandaloneResults) {
  const Config config = load_config(SYNTHVIEW_TINY_CONFIG, {"dist.timeout_s=60"});
  Components parts = build_components(config);
  // A trained-looking encoder: every parameter moved away from its initial value, alike on every rank.
  {
    torch::NoGradGuard no_grad;
    torch::manual_seed(7);
    for (auto& p : parts.model->parameters()) p.add_(torch::randn_like(p), 0.05);
  }
  test_files::TempDir run_dir;  // every rank writes the same checkpoint to its own folder
  const std::string path = run_dir.file("step-00000001.h5");
  const ckpt::MetricHistory history;
  ckpt::write_checkpoint(path, capture_state({config, "test", parts, history, 1, 12, 0.1}));

  EvalOptions options;
  options.checkpoint = path;
  options.train_limit = 600;
  options.test_limit = 200;
  options.baselines = true;
  const std::vector<eval::EvalReport> reports = evaluate(options, *parts.comm);
  // The standalone runs, on every rank too (features are gathered from all of them).
  options.baselines = false;
  const eval::EvalReport alone = evaluate(options, *parts.comm).at(0);
  // The untrained encoder: what `eval --random-init --config` gives for the checkpoint's config.
  EvalOptions untrained = options;
  untrained.random_init = true;
  untrained.checkpoint.clear();
  untrained.config = config;
  const eval::EvalReport untrained_alone = evaluate(untrained, *parts.comm).at(0);
  ASSERT_EQ(reports.size(), 3u);
  EXPECT_EQ(reports[0].subject, "checkpoint");
  EXPECT_EQ(reports[1].subject, "random-init");
  EXPECT_EQ(reports[2].subject, "pixels");
  if (parts.comm->rank() != 0) return;  // the probes run on rank 0

  expect_same_scores(reports[0], alone, "checkpoint");
  expect_same_scores(reports[1], untrained_alone, "random-init");
  EXPECT_FALSE(reports[1].linear->test.top1 == reports[0].linear->test.top1 &&
               reports[1].knn[0].test.top1 == reports[0].knn[0].test.top1)
      << "the trained and untrained encoders scored identically: was the checkpoint loaded?";

  // Raw pixels by hand: the first 600 training images fit the probes, the first 200 test images score them.
  const std::string& folder = options.data_folder;
  const eval::LabeledImages train = eval::load_fashion_mnist(folder, "train");
  const eval::LabeledImages test = eval::load_fashion_mnist(folder, "test");
  expect_same_scores(reports[2], pixels_by_hand(config, train, 0, 600, test, 0, 200), "pixels");
}

// `eval --split val`: the probes fit on train[0:50000] (here its first 600) and are scored on
// train[50000:60000] (its first 200); the test split is not read.
TEST(Evaluate, ValSplitFitsOnTheFirst50000AndScoresTheLast10000TrainingImages) {
  const Config config = load_config(SYNTHVIEW_TINY_CONFIG, {"dist.timeout_s=60"});
  Components parts = build_components(config);
  EvalOptions options;
  options.random_init = true;
  options.config = config;
  options.split = "val";
  options.train_limit = 600;
  options.test_limit = 200;
  options.baselines = true;
  const std::vector<eval::EvalReport> reports = evaluate(options, *parts.comm);
  ASSERT_EQ(reports.size(), 2u);
  EXPECT_EQ(reports[1].subject, "pixels");
  EXPECT_EQ(reports[1].split, "val");
  EXPECT_EQ(reports[1].test_count, 200);
  EXPECT_NE(reports[1].to_json().find("\"split\":\"val\""), std::string::npos);
  if (parts.comm->rank() != 0) return;
  const eval::LabeledImages train = eval::load_fashion_mnist(options.data_folder, "train");
  expect_same_scores(reports[1], pixels_by_hand(config, train, 0, 600, train, 50000, 200), "pixels on val");
}

}  // namespace
}  // namespace synthview::train
