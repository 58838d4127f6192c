#include "dist/mpi_runtime.h"

#include <unistd.h>

#include <cstdio>

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

void abort_job(const std::string& message) {
  std::fprintf(stderr, "synthview: error: %s\n", message.c_str());
  std::fflush(stderr);
  std::fflush(stdout);
  if (MpiRuntime::active()) MPI_Abort(MPI_COMM_WORLD, static_cast<int>(ExitCode::kDistributed));
  _exit(static_cast<int>(ExitCode::kDistributed));
}

}  // namespace synthview::dist
