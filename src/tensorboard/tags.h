// Names of the scalars a run writes: metrics.jsonl's fields, grouped the way TensorBoard shows them.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace synthview::tensorboard {

using Fields = std::vector<std::pair<std::string, double>>;

// A metrics.jsonl line as TensorBoard scalars: "time_<phase>" -> "time/<phase>", every other field
// "<group>/<field>" ("train/loss", "gan/d_loss"); "step" is the event's step, not a scalar.
Fields tagged_metrics(const std::string& group, const Fields& fields);

}  // namespace synthview::tensorboard
