// One evaluation's results, printed by `synthview eval --json` as a one-line JSON object.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "eval/knn.h"
#include "eval/linear_probe.h"

namespace synthview::eval {

struct EvalReport {
  std::string subject = "checkpoint";  // what was evaluated: checkpoint, random-init or pixels
  std::string checkpoint;  // the evaluated checkpoint's path; empty with random_init
  bool random_init = false;
  std::string data = "fashion-mnist";
  int64_t train_count = 0;
  int64_t test_count = 0;        // images scored: the test split, or train[50000:60000] with split "val"
  std::string split = "test";    // what test_count counts and the accuracies are measured on: test | val
  int64_t feature_dim = 0;
  double feature_seconds = 0;
  std::optional<LinearProbeResult> linear;  // set when the linear probe ran
  double linear_seconds = 0;
  std::vector<KnnScore> knn;  // one per k when kNN ran
  double knn_seconds = 0;

  // {"subject":..., "checkpoint":..., "random_init":..., "data":..., "split":"test"|"val", "train":N, "test":N,
  //  "feature_dim":D,
  //  "feature_seconds":s,
  //  "linear":{"top1":a,"top5":a,"train_top1":a,"loss_evaluations":n,"seconds":s},
  //  "knn":{"k20":{"top1":a,"top5":a},"k200":{...},"seconds":s}}; accuracies are fractions in [0, 1];
  // "linear"/"knn" appear only for the probes that ran. No newline.
  std::string to_json() const;
};

}  // namespace synthview::eval
