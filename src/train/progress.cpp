#include "train/progress.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "core/error.h"

namespace synthview::train {

void PhaseTimer::start(const std::string& phase) {
  auto now = Clock::now();
  if (!running_.empty()) {
    double elapsed = std::chrono::duration<double>(now - started_).count();
    bool found = false;
    for (auto& entry : seconds_) {
      if (entry.first == running_) {
        entry.second += elapsed;
        found = true;
      }
    }
    if (!found) seconds_.emplace_back(running_, elapsed);
  }
  running_ = phase;
  started_ = now;
}

std::vector<std::pair<std::string, double>> PhaseTimer::finish() {
  start("");
  running_.clear();
  return std::move(seconds_);
}

MetricsWriter::MetricsWriter(const std::string& path, bool append)
    : out_(path, append ? std::ios::app : std::ios::trunc), path_(path) {
  if (!out_) throw InputError(str("cannot open metrics file '", path, "' for writing"));
}

void MetricsWriter::write(const std::vector<std::pair<std::string, double>>& fields) {
  std::ostringstream line;
  line << std::setprecision(8) << "{";
  for (size_t i = 0; i < fields.size(); ++i) {
    line << (i ? ", " : "") << '"' << fields[i].first << "\": ";
    double value = fields[i].second;
    if (std::isfinite(value)) {
      line << value;
    } else {
      line << "null";  // JSON has no NaN/Inf
    }
  }
  line << "}\n";
  out_ << line.str();
  out_.flush();
  if (!out_) throw Error(str("writing metrics to '", path_, "' failed (disk full?)"));
}

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  auto total = static_cast<int64_t>(seconds + 0.5);
  std::ostringstream out;
  if (total >= 3600) out << total / 3600 << "h";
  if (total >= 60) out << (total % 3600) / 60 << "m";
  out << total % 60 << "s";
  return out.str();
}

ProgressLine::ProgressLine(int64_t total_steps, int64_t every)
    : total_steps_(total_steps), every_(every), terminal_(isatty(STDERR_FILENO) == 1) {}

void ProgressLine::update(int64_t step, double loss, double top1, double lr, double samples_per_second,
                          double seconds_per_step) {
  bool last = step == total_steps_;
  if (!terminal_ && step % every_ != 0 && !last && step != 1) return;
  std::ostringstream line;
  line << "step " << step << "/" << total_steps_ << std::fixed << std::setprecision(4) << "  loss " << loss
       << std::setprecision(3) << "  top1 " << top1 << "  lr " << std::setprecision(4) << lr
       << std::setprecision(1) << "  " << samples_per_second << " samples/s  ETA "
       << format_duration(seconds_per_step * static_cast<double>(total_steps_ - step));
  if (terminal_) {
    std::cerr << "\r" << line.str() << "\033[K" << std::flush;
    dirty_ = true;
  } else {
    std::cerr << line.str() << std::endl;
  }
}

void ProgressLine::done() {
  if (dirty_) std::cerr << std::endl;
  dirty_ = false;
}

}  // namespace synthview::train
