#include "dist/mpi_runtime.h"

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "core/error.h"

namespace synthview::dist {

MpiRuntime::MpiRuntime() {
  int initialised = 0, finalised = 0;
  MPI_Initialized(&initialised);
  MPI_Finalized(&finalised);
  if (finalised) throw DistributedError("MPI was already finalised: construct dist::MpiRuntime once per process");
  if (!initialised) {
    int provided = 0;
    SV_MPI_CHECK(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_MULTIPLE, &provided));
    owns_ = true;
    if (provided < MPI_THREAD_MULTIPLE) {
      throw DistributedError(synthview::str("MPI provides thread level ", provided, " but synthview needs MPI_THREAD_MULTIPLE (",
                                 MPI_THREAD_MULTIPLE, "); use an MPI built with thread support"));
    }
  }
  // Errors come back as codes (checked by SV_MPI_CHECK) instead of aborting inside MPI.
  SV_MPI_CHECK(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN));
}

MpiRuntime::~MpiRuntime() {
  int finalised = 0;
  MPI_Finalized(&finalised);
  if (owns_ && !finalised) MPI_Finalize();
}

bool MpiRuntime::active() {
  int initialised = 0, finalised = 0;
  MPI_Initialized(&initialised);
  MPI_Finalized(&finalised);
  return initialised && !finalised;
}

ProcessPlace process_place(MPI_Comm comm) {
  ProcessPlace place;
  SV_MPI_CHECK(MPI_Comm_rank(comm, &place.rank));
  SV_MPI_CHECK(MPI_Comm_size(comm, &place.size));
  MPI_Comm node = MPI_COMM_NULL;
  SV_MPI_CHECK(MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, place.rank, MPI_INFO_NULL, &node));
  SV_MPI_CHECK(MPI_Comm_rank(node, &place.local_rank));
  SV_MPI_CHECK(MPI_Comm_size(node, &place.local_size));
  SV_MPI_CHECK(MPI_Comm_free(&node));
  place.host = host_name();
  return place;
}

const std::string& host_name() {
  static const std::string name = [] {
    char buffer[256] = {0};
    if (gethostname(buffer, sizeof(buffer) - 1) != 0) return std::string("unknown-host");
    return std::string(buffer);
  }();
  return name;
}

std::string mpi_error_text(int code) {
  char text[MPI_MAX_ERROR_STRING] = {0};
  int length = 0;
  if (MPI_Error_string(code, text, &length) != MPI_SUCCESS) return synthview::str("MPI error code ", code);
  return std::string(text, length);
}

namespace {

volatile std::sig_atomic_t abort_exit_code = static_cast<int>(ExitCode::kDistributed);

extern "C" void exit_with_abort_code(int) { _exit(abort_exit_code); }

// Appends "CODE MESSAGE" to $SYNTHVIEW_ABORT_FILE when that file exists (launch/local.sh creates it
// and watches it). One write(2) with O_APPEND, so lines of ranks aborting at once do not mix; a
// path that does not exist on this host (no shared /tmp) is silently skipped.
void note_abort_for_launcher(int code, const std::string& message) {
  const char* path = std::getenv("SYNTHVIEW_ABORT_FILE");
  if (path == nullptr || *path == '\0') return;
  const int fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
  if (fd < 0) return;
  const std::string line = synthview::str(code, " ", message, "\n");
  ssize_t ignored = write(fd, line.data(), line.size());
  (void)ignored;
  close(fd);
}

}  // namespace

void abort_world(int code, const std::string& message) {
  std::fflush(stderr);
  std::fflush(stdout);
  note_abort_for_launcher(code, message);
  // The launcher ends an aborted job by signalling its ranks (Open MPI: SIGTERM, SIGKILL a second
  // later); this process has decided its code already, so it leaves with it at once instead of
  // starting a graceful stop. And it leaves by itself if MPI_Abort has not ended it after
  // kAbortGraceS: MPI_Abort hands the kill to the launcher's daemon on this host, and a rank must not
  // hang should that daemon never act (with a host's link down it did act, within milliseconds, on
  // both sides; it is mpirun that hangs then: docs/distributed.md, "What a link failure does").
  abort_exit_code = code;
  struct sigaction action;
  std::memset(&action, 0, sizeof(action));
  action.sa_handler = exit_with_abort_code;
  sigemptyset(&action.sa_mask);
  for (int signal : {SIGTERM, SIGINT}) sigaction(signal, &action, nullptr);
  try {
    std::thread([code] {
      std::this_thread::sleep_for(std::chrono::seconds(kAbortGraceS));
      _exit(code);
    }).detach();
  } catch (...) {
    // No thread: MPI_Abort alone then has to end this process.
  }
  if (MpiRuntime::active()) MPI_Abort(MPI_COMM_WORLD, code);
  _exit(code);
}

void abort_job(const std::string& message) {
  std::fprintf(stderr, "synthview: error: %s\n", message.c_str());
  abort_world(static_cast<int>(ExitCode::kDistributed), message);
}

}  // namespace synthview::dist
