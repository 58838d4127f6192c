// MPI process lifetime and the helpers every backend shares: checked MPI calls, node-local rank,
// and the one way a stuck job ends (print one line, MPI_Abort with exit code 3).
#pragma once

#include <mpi.h>

#include <string>

#include "core/error.h"

namespace synthview::dist {

// RAII around MPI_Init_thread/MPI_Finalize. Asks for MPI_THREAD_MULTIPLE because the communicators run
// their collectives (and watchdog polling) on a thread of their own. Construct once, in main, before any
// communicator; destroy communicators before it. Safe if MPI was already initialised (then not finalised here).
class MpiRuntime {
 public:
  MpiRuntime();
  ~MpiRuntime();
  MpiRuntime(const MpiRuntime&) = delete;
  MpiRuntime& operator=(const MpiRuntime&) = delete;

  // True between MPI initialisation and finalisation (by anyone).
  static bool active();

 private:
  bool owns_ = false;
};

// Where this process sits: world rank/size and its rank among the processes on the same node.
struct ProcessPlace {
  int rank = 0;
  int size = 1;
  int local_rank = 0;
  int local_size = 1;
  std::string host;
};
// Collective over `comm` (MPI_Comm_split_type SHARED): every rank of `comm` must call it.
ProcessPlace process_place(MPI_Comm comm);

// This host's name, for error messages.
const std::string& host_name();

// Text of an MPI error code.
std::string mpi_error_text(int code);

// Prints "synthview: error: <message>" on stderr and ends the whole job with exit code 3 (abort_world).
// For timeouts: peers blocked inside MPI or NCCL cannot be unwound safely.
[[noreturn]] void abort_job(const std::string& message);

// Ends the whole job with exit code `code` once the error line is printed: notes "code message" in
// $SYNTHVIEW_ABORT_FILE if that file exists (launch/local.sh ends an mpirun that outlives an abort),
// then MPI_Abort when MPI is up; this process _exits with `code` on SIGTERM/SIGINT from then on, and
// by itself if MPI_Abort has not ended it after kAbortGraceS seconds (a safety net: a rank never
// hangs in its own abort, whatever its launcher does).
[[noreturn]] void abort_world(int code, const std::string& message);
constexpr int kAbortGraceS = 5;

}  // namespace synthview::dist

// Checks an MPI return code; throws DistributedError naming the call, the rank and the host.
#define SV_MPI_CHECK(call)                                                                     \
  do {                                                                                         \
    int sv_mpi_status_ = (call);                                                               \
    if (sv_mpi_status_ != MPI_SUCCESS) {                                                       \
      int sv_mpi_rank_ = -1;                                                                   \
      MPI_Comm_rank(MPI_COMM_WORLD, &sv_mpi_rank_);                                            \
      throw ::synthview::DistributedError(::synthview::str(                                    \
          "MPI call ", #call, " failed on rank ", sv_mpi_rank_, " (host ",                     \
          ::synthview::dist::host_name(), "): ", ::synthview::dist::mpi_error_text(sv_mpi_status_), \
          " [", __FILE__, ":", __LINE__, "]"));                                                \
    }                                                                                          \
  } while (0)
