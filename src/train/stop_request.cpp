#include "train/stop_request.h"

#include <csignal>
#include <cstring>

#include "core/error.h"

namespace synthview::train {
namespace {

constexpr int kSignals[] = {SIGTERM, SIGINT, SIGUSR1};
volatile std::sig_atomic_t received_signal = 0;
struct sigaction previous[sizeof(kSignals) / sizeof(kSignals[0])];

extern "C" void on_stop_signal(int signal) {
  if (received_signal != 0) {
    // Second signal: the user means it. Default action (terminate) from here on.
    std::signal(signal, SIG_DFL);
    std::raise(signal);
    return;
  }
  received_signal = signal;
}

}  // namespace

StopRequest::StopRequest() {
  received_signal = 0;
  struct sigaction action;
  std::memset(&action, 0, sizeof(action));
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;  // blocking I/O in other threads carries on instead of failing EINTR
  for (size_t i = 0; i < sizeof(kSignals) / sizeof(kSignals[0]); ++i) {
    if (sigaction(kSignals[i], &action, &previous[i]) != 0) {
      throw Error(str("sigaction(", signal_name(kSignals[i]), ") failed: ", std::strerror(errno)));
    }
  }
}

StopRequest::~StopRequest() {
  for (size_t i = 0; i < sizeof(kSignals) / sizeof(kSignals[0]); ++i) sigaction(kSignals[i], &previous[i], nullptr);
}

int StopRequest::signal() const { return received_signal; }

const char* signal_name(int signal) {
  switch (signal) {
    case SIGTERM: return "SIGTERM";
    case SIGINT: return "SIGINT";
    case SIGUSR1: return "SIGUSR1";
    default: return "a signal";
  }
}

}  // namespace synthview::train
