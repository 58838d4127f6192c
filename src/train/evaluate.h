// `synthview eval`: a trained (or random-init) encoder's frozen features judged on real
// Fashion-MNIST with a linear probe and/or kNN, optionally beside the two baselines every result
// needs (the same architecture untrained, and raw pixels). Features are computed by every rank.
#pragma once

#include <string>
#include <vector>

#include "core/config.h"
#include "dist/communicator.h"
#include "eval/report.h"

namespace synthview::train {

struct EvalOptions {
  std::string checkpoint;             // the encoder to evaluate ("" with random_init)
  bool random_init = false;           // the floor: the same architecture, untrained (needs config)
  Config config;                      // with random_init: the architecture; else read from the checkpoint
  bool linear = true;
  bool knn = true;
  std::string data_folder = "/usr/share/datasets/fashion-mnist";
  std::string split = "test";         // test: probes fit on train, scored on test; val: fit on
                                      // train[0:50000], scored on train[50000:60000] (for tuning)
  int64_t train_limit = 0;            // use the first N images the probes fit on (0 = all)
  int64_t test_limit = 0;             // use the first N images they are scored on (0 = all)
  int64_t batch_size = 256;
  bool baselines = false;             // also the untrained encoder and raw pixels, on the same loaded data
};

// Every rank calls it; rank 0's reports hold the results (the probes run on rank 0): the encoder's,
// then with `baselines` the untrained encoder's (subject "random-init") and raw pixels' ("pixels").
std::vector<eval::EvalReport> evaluate(const EvalOptions& options, dist::Communicator& comm);

// The encoder input shape a config trains with: channels and side in pixels.
std::pair<int64_t, int64_t> encoder_input_shape(const Config& config);

}  // namespace synthview::train
