#include "eval/report.h"

#include <cmath>
#include <iomanip>
#include <sstream>

namespace synthview::eval {
namespace {

std::string quoted(const std::string& text) {
  std::ostringstream out;
  out << '"';
  for (unsigned char c : text) {
    if (c == '"' || c == '\\') {
      out << '\\' << c;
    } else if (c < 0x20) {
      out << "\\u" << std::hex << std::setw(4) << std::setfill('0') << int(c) << std::dec;
    } else {
      out << c;
    }
  }
  out << '"';
  return out.str();
}

std::string number(double value) {
  if (!std::isfinite(value)) return "null";
  std::ostringstream out;
  out << std::setprecision(6) << value;
  return out.str();
}

std::string accuracy_fields(const Accuracy& accuracy) {
  return "\"top1\":" + number(accuracy.top1) + ",\"top5\":" + number(accuracy.top5);
}

}  // namespace

std::string EvalReport::to_json() const {
  std::ostringstream out;
  out << "{\"subject\":" << quoted(subject) << ",\"checkpoint\":" << quoted(checkpoint)
      << ",\"random_init\":" << (random_init ? "true" : "false")
      << ",\"data\":" << quoted(data) << ",\"split\":" << quoted(split) << ",\"train\":" << train_count
      << ",\"test\":" << test_count
      << ",\"feature_dim\":" << feature_dim << ",\"feature_seconds\":" << number(feature_seconds);
  if (linear) {
    out << ",\"linear\":{" << accuracy_fields(linear->test) << ",\"train_top1\":" << number(linear->train.top1)
        << ",\"loss_evaluations\":" << linear->loss_evaluations << ",\"seconds\":" << number(linear_seconds) << "}";
  }
  if (!knn.empty()) {
    out << ",\"knn\":{";
    for (const KnnScore& score : knn) out << "\"k" << score.k << "\":{" << accuracy_fields(score.test) << "},";
    out << "\"seconds\":" << number(knn_seconds) << "}";
  }
  out << "}";
  return out.str();
}

}  // namespace synthview::eval
