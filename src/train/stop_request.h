// Graceful stop: SIGTERM, SIGINT or SIGUSR1 asks the run to finish its current step, write a
// checkpoint and end with exit code 4, instead of dying between checkpoints. Slurm sends SIGTERM
// on scancel, preemption and the time limit (then SIGKILL after KillWait, 30 s by default); mpirun
// forwards SIGUSR1 to every rank without killing them. A second signal kills as usual.
#pragma once

namespace synthview::train {

// Exit code of a run that stopped on such a signal after its checkpoint (not an error; not done).
constexpr int kStoppedExitCode = 4;

class StopRequest {
 public:
  StopRequest();   // installs the handlers
  ~StopRequest();  // restores the previous ones
  StopRequest(const StopRequest&) = delete;
  StopRequest& operator=(const StopRequest&) = delete;

  // The signal received by this process so far, or 0.
  int signal() const;
};

// "SIGTERM", "SIGINT", ... for messages.
const char* signal_name(int signal);

}  // namespace synthview::train
