#include "dist/arrival.h"

#include <atomic>
#include <chrono>
#include <thread>

#include "dist/mpi_runtime.h"

namespace synthview::dist {

namespace {
constexpr int kArrivalTag = 7;
constexpr int kPingTag = 8;
constexpr int kPongTag = 9;
std::atomic<int64_t> messages_sent{0};
}  // namespace

int64_t watchdog_messages_sent() { return messages_sent.load(); }

ArrivalTracker::ArrivalTracker(MPI_Comm parent) {
  SV_MPI_CHECK(MPI_Comm_dup(parent, &comm_));
  SV_MPI_CHECK(MPI_Comm_rank(comm_, &rank_));
  SV_MPI_CHECK(MPI_Comm_size(comm_, &size_));
  last_seen_.assign(size_, -1);
  last_pong_.assign(size_, 0);
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
  std::vector<int> peers;
  for (int peer = 0; peer < size_; ++peer) {
    if (peer != rank_) peers.push_back(peer);
  }
  send_locked(seq, kArrivalTag, peers);
  last_seen_[rank_] = seq;
}

void ArrivalTracker::send_locked(int64_t value, int tag, const std::vector<int>& peers) {
  Send send;
  send.seq = std::make_unique<int64_t>(value);
  send.requests.resize(peers.size(), MPI_REQUEST_NULL);
  for (size_t i = 0; i < peers.size(); ++i) {
    SV_MPI_CHECK(MPI_Isend(send.seq.get(), 1, MPI_INT64_T, peers[i], tag, comm_, &send.requests[i]));
  }
  messages_sent += static_cast<int64_t>(peers.size());
  sends_.push_back(std::move(send));
}

std::vector<int> ArrivalTracker::unresponsive(double wait_s) {
  std::vector<int> silent;
  if (size_ == 1) return silent;
  int64_t id = 0;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    id = ++ping_id_;
    std::vector<int> peers;
    for (int peer = 0; peer < size_; ++peer) {
      if (peer != rank_) peers.push_back(peer);
    }
    send_locked(id, kPingTag, peers);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(wait_s);
  while (true) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      drain_locked();
      silent.clear();
      for (int peer = 0; peer < size_; ++peer) {
        if (peer != rank_ && last_pong_[peer] < id) silent.push_back(peer);
      }
    }
    if (silent.empty() || std::chrono::steady_clock::now() >= deadline) return silent;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
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
    SV_MPI_CHECK(MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, comm_, &pending, &status));
    if (!pending) break;
    int64_t value = -1;
    const int peer = status.MPI_SOURCE;
    SV_MPI_CHECK(MPI_Recv(&value, 1, MPI_INT64_T, peer, status.MPI_TAG, comm_, MPI_STATUS_IGNORE));
    if (status.MPI_TAG == kArrivalTag && value > last_seen_[peer]) last_seen_[peer] = value;
    if (status.MPI_TAG == kPingTag) send_locked(value, kPongTag, {peer});
    if (status.MPI_TAG == kPongTag && value > last_pong_[peer]) last_pong_[peer] = value;
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
