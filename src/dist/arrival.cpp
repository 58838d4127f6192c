#include "dist/arrival.h"

#include <algorithm>
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

ArrivalTracker::ArrivalTracker(MPI_Comm parent, std::string label) : label_(std::move(label)) {
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

double ArrivalTracker::announce_delay_s(double timeout_s) {
  return timeout_s > 0 ? std::clamp(timeout_s / 10, 0.2, 1.0) : 1.0;
}

std::vector<int> ArrivalTracker::peers() const {
  std::vector<int> ranks;
  for (int peer = 0; peer < size_; ++peer) {
    if (peer != rank_) ranks.push_back(peer);
  }
  return ranks;
}

void ArrivalTracker::arrive(int64_t seq) {
  std::lock_guard<std::mutex> lock(mutex_);
  last_seen_[rank_] = std::max(last_seen_[rank_], seq);
}

void ArrivalTracker::announce() {
  if (size_ == 1) return;
  std::lock_guard<std::mutex> lock(mutex_);
  if (announced_ >= last_seen_[rank_]) return;
  announced_ = last_seen_[rank_];
  send_locked(announced_, kArrivalTag, peers());
}

void ArrivalTracker::send_locked(int64_t value, int tag, const std::vector<int>& peers) {
  Send send;
  send.payload.reset(new int64_t[2]{value, last_seen_[rank_]});
  send.requests.resize(peers.size(), MPI_REQUEST_NULL);
  for (size_t i = 0; i < peers.size(); ++i) {
    SV_MPI_CHECK(MPI_Isend(send.payload.get(), 2, MPI_INT64_T, peers[i], tag, comm_, &send.requests[i]));
  }
  messages_sent += static_cast<int64_t>(peers.size());
  sends_.push_back(std::move(send));
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
    int64_t message[2] = {-1, -1};
    const int peer = status.MPI_SOURCE;
    SV_MPI_CHECK(MPI_Recv(message, 2, MPI_INT64_T, peer, status.MPI_TAG, comm_, MPI_STATUS_IGNORE));
    last_seen_[peer] = std::max(last_seen_[peer], message[1]);  // every message carries the arrival
    if (status.MPI_TAG == kPingTag) send_locked(message[0], kPongTag, {peer});
    if (status.MPI_TAG == kPongTag) last_pong_[peer] = std::max(last_pong_[peer], message[0]);
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
  std::lock_guard<std::mutex> lock(mutex_);
  drain_locked();
  std::vector<int> ranks;
  for (int peer : peers()) {
    if (last_seen_[peer] < seq) ranks.push_back(peer);
  }
  return ranks;
}

std::vector<int> ArrivalTracker::unresponsive(const std::vector<int>& pinged, double wait_s) {
  int64_t id = 0;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    id = ++ping_id_;
    send_locked(id, kPingTag, pinged);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(wait_s);
  std::vector<int> silent;
  while (true) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      drain_locked();
      silent.clear();
      for (int peer : pinged) {
        if (last_pong_[peer] < id) silent.push_back(peer);
      }
    }
    if (silent.empty() || std::chrono::steady_clock::now() >= deadline) return silent;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

std::string ArrivalTracker::timeout_report(const char* name, int64_t seq, int64_t step, double timeout_s,
                                           const char* note) {
  // Peers that arrived less than the announce delay ago have not said so yet: ask the missing ones.
  auto missing_ranks = missing(seq);
  if (!missing_ranks.empty()) {
    unresponsive(missing_ranks, announce_delay_s(timeout_s));
    missing_ranks = missing(seq);
  }
  std::string why = synthview::str("rank(s) ", rank_list(missing_ranks), " did not arrive");
  if (missing_ranks.empty()) {
    // Every rank arrived: ask who still answers (a lost link or host, a stopped process does not).
    const double wait_s = std::min(5.0, std::max(1.0, timeout_s / 2));
    const auto silent = unresponsive(peers(), wait_s);
    why = silent.empty() ? std::string("every rank arrived and answers, the transfer stalled")
                         : synthview::str("every rank arrived, then rank(s) ", rank_list(silent),
                                          " stopped answering (no reply within ", wait_s,
                                          " s: host or link lost, or process stopped)");
  }
  const std::string label = label_.empty() ? std::string() : synthview::str(" (", label_, ")");
  return synthview::str("collective ", name, label, " #", seq, " at step ", step, " did not complete within ",
                        timeout_s, " s (dist.timeout_s) on rank ", rank_, " of ", size_, " (host ", host_name(),
                        note, "): ", why);
}

std::string rank_list(const std::vector<int>& ranks) {
  if (ranks.empty()) return "none";
  std::string text;
  for (size_t i = 0; i < ranks.size(); ++i) text += (i ? ", " : "") + std::to_string(ranks[i]);
  return text;
}

}  // namespace synthview::dist
