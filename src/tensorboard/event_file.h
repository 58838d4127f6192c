// Where a new TensorBoard event file goes: <folder>/events.out.tfevents.<seconds>.<host>.<pid>.<kind>.
#pragma once

#include <string>

namespace synthview::tensorboard {

// A path for a new event file in `folder`. TensorBoard reads a folder's event files in name order and
// lets a later record for a step win, so <seconds> (ten digits) is made larger than that of every event
// file already there, even when two runs start within the same second: names sort in writing order.
// `kind` names the writer ("train", "train-generator", "eval").
std::string new_event_file_path(const std::string& folder, const std::string& kind);

}  // namespace synthview::tensorboard
