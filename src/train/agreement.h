// Every rank trains from rank 0's state (DESIGN.md invariant 8): rank 0 alone reads a checkpoint, sends
// what it restored to the others (so run.dir may be node-local), and every rank then checks its state
// against rank 0's, so a disagreement is an error naming the ranks rather than silent drift.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "ckpt/checkpoint.h"
#include "train/components.h"

namespace synthview::train {

// Collective. Rank 0's parameters, buffers, optimizer state, metric history and counters replace every
// other rank's (whatever rank 0 restored, or its fresh state).
void share_rank0_state(Components& parts, ckpt::MetricHistory& history, int64_t& step, int64_t& samples_drawn);

// A 64-bit checksum of names, dtypes, shapes and bytes, in order (detects any difference, not tampering).
uint64_t checksum(const std::vector<std::pair<std::string, torch::Tensor>>& tensors);

// Collective. Compares step, samples_drawn and the checksums of parameters, buffers and optimizer state
// with rank 0's; throws DistributedError (exit 3) on every rank when some rank differs, in one line
// naming those ranks and what differs.
void check_ranks_agree(const Components& parts, int64_t step, int64_t samples_drawn);

}  // namespace synthview::train
