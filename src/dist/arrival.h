// Arrival announcements for the watchdog: before rank r enters collective number `seq`, it tells every peer
// "r reached seq" with a tiny non-blocking message on a private communicator. When a collective times out,
// the ranks whose last announcement is below its number are the ones that did not arrive.
// Cost: size()-1 eight-byte sends per collective. When a collective times out although every rank
// announced it, a ping to each peer tells the live ones from the lost ones. Thread-safe.
#pragma once

#include <mpi.h>

#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace synthview::dist {

class ArrivalTracker {
 public:
  explicit ArrivalTracker(MPI_Comm parent);  // collective over parent (duplicates it)
  ~ArrivalTracker();
  ArrivalTracker(const ArrivalTracker&) = delete;
  ArrivalTracker& operator=(const ArrivalTracker&) = delete;

  void announce(int64_t seq);
  // Receives pending announcements and completes finished sends.
  void drain();
  // Ranks (never this one) whose last announcement is below seq.
  std::vector<int> missing(int64_t seq);
  // For a collective every rank arrived at but that does not complete: pings every peer and returns
  // those that have not answered within wait_s (a lost host or link, a stopped process). Peers answer
  // from drain(), which the communication thread calls while it waits for its own collective.
  std::vector<int> unresponsive(double wait_s);

 private:
  struct Send {
    std::unique_ptr<int64_t> seq;
    std::vector<MPI_Request> requests;
  };
  void send_locked(int64_t value, int tag, const std::vector<int>& peers);
  void drain_locked();

  std::mutex mutex_;
  MPI_Comm comm_ = MPI_COMM_NULL;
  int rank_ = 0;
  int size_ = 1;
  std::vector<int64_t> last_seen_;
  int64_t ping_id_ = 0;
  std::vector<int64_t> last_pong_;  // per peer: the newest ping id it answered
  std::deque<Send> sends_;
};

// Messages every ArrivalTracker of this process has sent so far (announcements, pings, answers): what
// the watchdog costs the network, for tests and tools/bench/watchdog.
int64_t watchdog_messages_sent();

// "1, 3" (or "none").
std::string rank_list(const std::vector<int>& ranks);

}  // namespace synthview::dist
