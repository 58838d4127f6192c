// Per-step timing, metrics.jsonl and the rank-0 progress line.
#pragma once

#include <chrono>
#include <cstdint>
#include <fstream>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace synthview::train {

// Wall time per named phase of one step ("generate", "forward", ...), in seconds.
class PhaseTimer {
 public:
  using Clock = std::chrono::steady_clock;
  // Starts timing `phase`, ending the phase that was running.
  void start(const std::string& phase);
  // Ends the running phase; returns the accumulated times and clears them.
  std::vector<std::pair<std::string, double>> finish();

 private:
  std::string running_;
  Clock::time_point started_;
  std::vector<std::pair<std::string, double>> seconds_;
};

// One JSON object per line; values are numbers, written in the order given.
class MetricsWriter {
 public:
  MetricsWriter() = default;
  explicit MetricsWriter(const std::string& path, bool append);
  bool is_open() const { return out_.is_open(); }
  void write(const std::vector<std::pair<std::string, double>>& fields);

 private:
  std::ofstream out_;
  std::string path_;
};

// "step 120/2000  loss 3.21  top1 0.41  lr 0.30  812 samples/s  ETA 3m12s": in place on a terminal
// (carriage return), plain lines every `every` steps otherwise (logs, Slurm output files).
class ProgressLine {
 public:
  ProgressLine(int64_t total_steps, int64_t every);
  void update(int64_t step, double loss, double top1, double lr, double samples_per_second,
              double seconds_per_step);
  void done();

 private:
  int64_t total_steps_;
  int64_t every_;
  bool terminal_;
  bool dirty_ = false;
};

std::string format_duration(double seconds);

}  // namespace synthview::train
