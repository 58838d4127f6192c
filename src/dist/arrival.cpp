#include "dist/arrival.h"

#include "dist/mpi_runtime.h"

namespace synthview::dist {

namespace {
constexpr int kArrivalTag = 7;
}

ArrivalTracker::ArrivalTracker(MPI_Comm parent) {
  SV_MPI_CHECK(MPI_Comm_dup(parent, &comm_));
  SV_MPI_CHECK(MPI_Comm_rank(comm_, &rank_));
  SV_MPI_CHECK(MPI_Comm_size(comm_, &size_));
  last_seen_.assign(size_, -1);
}

ArrivalTracker::~ArrivalTracker() {
  if (!MpiRuntime::active()) return;
  std::lock_guard<std::mutex> lock(mutex_);
  drain_locked();
  // Sends still in flight (a peer that stopped receiving) are released, not waited for.
  for (auto& send : sends_) {
    for (auto& request : send.requests) {
      if (request != MPI_REQUEST_NULL) MPI_Request_free(&request);
    }
  }
  sends_.clear();
  MPI_Comm_free(&comm_);
}

void ArrivalTracker::announce(int64_t seq) {
  if (size_ == 1) return;
  std::lock_guard<std::mutex> lock(mutex_);
  Send send;
  send.seq = std::make_unique<int64_t>(seq);
  send.requests.resize(size_ - 1, MPI_REQUEST_NULL);
  int slot = 0;
  for (int peer = 0; peer < size_; ++peer) {
    if (peer == rank_) continue;
    SV_MPI_CHECK(MPI_Isend(send.seq.get(), 1, MPI_INT64_T, peer, kArrivalTag, comm_, &send.requests[slot++]));
  }
  sends_.push_back(std::move(send));
  last_seen_[rank_] = seq;
}

void ArrivalTracker::drain() {
  if (size_ == 1) return;
  std::lock_guard<std::mutex> lock(mutex_);
  drain_locked();
}

void ArrivalTracker::drain_locked() {
  while (true) {
    int pending = 0;
    MPI_Status status;
    SV_MPI_CHECK(MPI_Iprobe(MPI_ANY_SOURCE, kArrivalTag, comm_, &pending, &status));
    if (!pending) break;
    int64_t seq = -1;
    SV_MPI_CHECK(MPI_Recv(&seq, 1, MPI_INT64_T, status.MPI_SOURCE, kArrivalTag, comm_, MPI_STATUS_IGNORE));
    if (seq > last_seen_[status.MPI_SOURCE]) last_seen_[status.MPI_SOURCE] = seq;
  }
  while (!sends_.empty()) {
    int done = 0;
    auto& requests = sends_.front().requests;
    SV_MPI_CHECK(MPI_Testall(static_cast<int>(requests.size()), requests.data(), &done, MPI_STATUSES_IGNORE));
    if (!done) break;
    sends_.pop_front();
  }
}

std::vector<int> ArrivalTracker::missing(int64_t seq) {
  std::vector<int> ranks;
  if (size_ == 1) return ranks;
  std::lock_guard<std::mutex> lock(mutex_);
  drain_locked();
  for (int peer = 0; peer < size_; ++peer) {
    if (peer != rank_ && last_seen_[peer] < seq) ranks.push_back(peer);
  }
  return ranks;
}

std::string rank_list(const std::vector<int>& ranks) {
  if (ranks.empty()) return "none";
  std::string text;
  for (size_t i = 0; i < ranks.size(); ++i) text += (i ? ", " : "") + std::to_string(ranks[i]);
  return text;
}

}  // namespace synthview::dist
