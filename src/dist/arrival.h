// Arrival bookkeeping for the collective watchdog, on a private communicator (a duplicate of the parent).
//
// Rank r records the number of each collective it reaches (arrive(): local, no message). Messages go out
// only when something is slow, so a job whose collectives complete costs the network nothing:
// - a rank that has waited announce_delay_s() inside collective k tells every peer "r reached k"
//   (announce(): once per collective; W-1 messages of 16 bytes);
// - at a deadline, timeout_report() pings the peers not known to have arrived (an answer carries the
//   peer's arrival: one that arrived less than the delay ago has not announced yet), and, when every rank
//   arrived, pings them all to tell the live ones from those lost (host or link down, process stopped).
// Peers answer pings from drain(), which the communication thread calls while it waits for its own
// collective. Announcements sent before a link failed are what let a rank say "every rank arrived" after
// it. Thread-safe.
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
  // Collective over parent (duplicates it). label: "" or the communicator's name in messages.
  ArrivalTracker(MPI_Comm parent, std::string label);
  ~ArrivalTracker();
  ArrivalTracker(const ArrivalTracker&) = delete;
  ArrivalTracker& operator=(const ArrivalTracker&) = delete;

  // How long a rank waits in a collective before it announces its arrival: timeout_s / 10, within
  // [0.2 s, 1 s].
  static double announce_delay_s(double timeout_s);

  // This rank has reached collective seq (no message).
  void arrive(int64_t seq);
  // Tells every peer the last collective this rank reached, unless it already did.
  void announce();
  // Receives pending messages, answers pings, completes finished sends.
  void drain();
  // The watchdog's line for collective `name` #seq (started at step) that did not complete within
  // timeout_s: "collective ... on rank r of W (host h<note>): <which ranks did not arrive, or stopped
  // answering>". Pings peers and waits for their answers (at most announce_delay_s + 5 s).
  std::string timeout_report(const char* name, int64_t seq, int64_t step, double timeout_s, const char* note);

 private:
  struct Send {
    std::unique_ptr<int64_t[]> payload;  // {value, sender's arrival}
    std::vector<MPI_Request> requests;
  };
  // Ranks (never this one) whose last known arrival is below seq.
  std::vector<int> missing(int64_t seq);
  // Pings `peers` and returns those that have not answered within wait_s.
  std::vector<int> unresponsive(const std::vector<int>& peers, double wait_s);
  std::vector<int> peers() const;
  void send_locked(int64_t value, int tag, const std::vector<int>& peers);
  void drain_locked();

  std::mutex mutex_;
  MPI_Comm comm_ = MPI_COMM_NULL;
  std::string label_;
  int rank_ = 0;
  int size_ = 1;
  std::vector<int64_t> last_seen_;  // per rank: the newest collective it is known to have reached
  int64_t announced_ = -1;          // the newest arrival this rank has announced
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
