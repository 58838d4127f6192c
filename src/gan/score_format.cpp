// score_text and score_json of score.h.
#include <cstdio>
#include <sstream>

#include "gan/score.h"

namespace synthview::gan {
namespace {

const char* const kClassNames[10] = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                     "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};

std::string row_text(const std::string& name, const ClassScore& s) {
  char line[256];
  std::snprintf(line, sizeof(line), "%-12s %5.3f  %6.3f %6.3f %6.3f   %6.3f %6.3f %8.2f   %5.3f %5.3f %5.3f %5.3f\n",
                name.c_str(), s.share, s.real_on_generated, s.cnn_real_on_generated, s.cnn_cas,
                s.correlation_generated, s.correlation_real, s.frechet, s.precision, s.recall, s.density, s.coverage);
  return line;
}

std::string json_number(double value) {
  if (value != value) return "null";  // NaN
  std::ostringstream out;
  out.precision(6);
  out << value;
  return out.str();
}

std::string json_string(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string row_json(const ClassScore& s) {
  std::ostringstream out;
  out << "{\"share\": " << json_number(s.share) << ", \"real_on_generated\": " << json_number(s.real_on_generated)
      << ", \"cnn_real_on_generated\": " << json_number(s.cnn_real_on_generated)
      << ", \"cnn_cas\": " << json_number(s.cnn_cas)
      << ", \"correlation_generated\": " << json_number(s.correlation_generated)
      << ", \"correlation_real\": " << json_number(s.correlation_real) << ", \"frechet\": " << json_number(s.frechet)
      << ", \"precision\": " << json_number(s.precision) << ", \"recall\": " << json_number(s.recall)
      << ", \"density\": " << json_number(s.density) << ", \"coverage\": " << json_number(s.coverage) << "}";
  return out.str();
}

}  // namespace

std::string score_text(const GeneratorScore& s) {
  std::ostringstream out;
  char line[200];
  out << "generator " << s.generator << ", " << s.per_class << " samples per class, held-out real: " << s.split
      << (s.split == "val" ? " (train[50000:60000])" : " (test split)") << "; classifiers trained on train[0:50000]\n";
  if (s.labels != "conditioning") {
    out << "unconditional: generated samples labelled by the real-trained CNN (r->g:cnn is 1 by construction, left out)\n";
  }
  std::snprintf(line, sizeof(line), "classifier          on held-out real   CAS (trained on generated)   trained on %lld real\n",
                static_cast<long long>(s.per_class * 10));
  out << line;
  std::snprintf(line, sizeof(line), "logistic (pixels)   %.4f             %.4f                       %.4f\n",
                s.real_on_heldout, s.cas, s.real_same_count);
  out << line;
  std::snprintf(line, sizeof(line), "small CNN (%lld st.) %.4f             %.4f                       %.4f\n",
                static_cast<long long>(s.cnn_steps), s.cnn_on_heldout, s.cnn_cas, s.cnn_real_same_count);
  out << line;
  out << "class        share  r->g:px  r->g:cnn CAS:cnn  corr:gen corr:real  Frechet   prec  rec   dens  cov\n";
  for (size_t c = 0; c < s.classes.size(); ++c) out << row_text(kClassNames[c % 10], s.classes[c]);
  std::string all = row_text("all", s.overall);
  all.pop_back();
  out << all;
  return out.str();
}

std::string score_json(const GeneratorScore& s) {
  std::ostringstream out;
  out << "{\"generator\": " << json_string(s.generator) << ", \"split\": " << json_string(s.split)
      << ", \"labels\": " << json_string(s.labels)
      << ", \"per_class\": " << s.per_class
      << ", \"cnn_steps\": " << s.cnn_steps << ", \"real_on_heldout\": " << json_number(s.real_on_heldout)
      << ", \"cnn_on_heldout\": " << json_number(s.cnn_on_heldout) << ", \"cas\": " << json_number(s.cas)
      << ", \"real_same_count\": " << json_number(s.real_same_count) << ", \"cnn_cas\": " << json_number(s.cnn_cas)
      << ", \"cnn_real_same_count\": " << json_number(s.cnn_real_same_count) << ", \"overall\": " << row_json(s.overall)
      << ", \"classes\": [";
  for (size_t c = 0; c < s.classes.size(); ++c) {
    out << (c ? ", " : "") << "{\"class\": " << c << ", \"name\": \"" << kClassNames[c % 10] << "\", \"scores\": "
        << row_json(s.classes[c]) << "}";
  }
  out << "]}";
  return out.str();
}

}  // namespace synthview::gan
