#include "gan/score.h"

#include <cstdio>
#include <sstream>

#include "core/error.h"
#include "core/rng.h"
#include "eval/idx.h"
#include "eval/images.h"
#include "gan/pixel_classifier.h"

namespace synthview::gan {
namespace {

const char* const kClassNames[10] = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                     "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};

}  // namespace

void generate_per_class(gen::Generator& generator, uint64_t seed, int64_t per_class, torch::Tensor& images,
                        torch::Tensor& labels) {
  const gen::GeneratorInfo& info = generator.info();
  const int64_t total = per_class * std::max<int64_t>(1, info.num_classes);  // unconditional: one "class"
  labels = torch::arange(total, torch::kInt64).div(per_class, "floor");
  const auto stream = static_cast<RngStream>(static_cast<int64_t>(RngStream::kUser) + 30);
  CounterRng rng(seed);
  std::vector<torch::Tensor> parts;
  for (int64_t start = 0; start < total; start += 500) {
    const int64_t end = std::min(total, start + 500);
    torch::Tensor z = rng.truncated_normal(stream, torch::arange(start, end, torch::kInt64), info.latent_dim, 2.0);
    parts.push_back(generator.generate(z.to(torch::kFloat32), labels.slice(0, start, end)).cpu());
  }
  images = torch::cat(parts);
}

GeneratorScore score_generator(const Config& config, int64_t per_class) {
  std::shared_ptr<gen::Generator> generator = gen::make_generator(config, torch::kCPU);
  const gen::GeneratorInfo& info = generator->info();
  if (info.num_classes != 10) {
    throw InputError(synthview::str("generator '", config.generator.path, "' has ", info.num_classes,
                         " classes (scoring on Fashion-MNIST needs a conditional generator with 10)"));
  }
  GeneratorScore score;
  score.generator = config.generator.path;
  score.per_class = per_class;
  auto real_input = [&](const eval::LabeledImages& split) {
    return eval::to_encoder_input(split.images, info.channels, info.resolution);
  };
  eval::LabeledImages train = eval::load_fashion_mnist(config.data.real_path, "train");
  eval::LabeledImages test = eval::load_fashion_mnist(config.data.real_path, "test");
  torch::Tensor train_x = real_input(train), test_x = real_input(test);
  torch::Tensor fake_x, fake_y;
  generate_per_class(*generator, static_cast<uint64_t>(config.seed), per_class, fake_x, fake_y);

  PixelClassifier real_classifier(train_x, train.labels, 10);
  score.real_on_real_test = real_classifier.accuracy(test_x, test.labels);
  score.real_on_generated = real_classifier.accuracy(fake_x, fake_y);
  score.real_on_generated_class = real_classifier.class_accuracy(fake_x, fake_y);

  score.cas = PixelClassifier(fake_x, fake_y, 10).accuracy(test_x, test.labels);
  const int64_t count = std::min<int64_t>(fake_x.size(0), train_x.size(0));
  score.real_same_count =
      PixelClassifier(train_x.slice(0, 0, count), train.labels.slice(0, 0, count), 10).accuracy(test_x, test.labels);
  return score;
}

std::string score_text(const GeneratorScore& s) {
  std::ostringstream out;
  char line[160];
  out << "generator " << s.generator << ", " << s.per_class << " samples per class; classifier: logistic regression on raw pixels\n";
  std::snprintf(line, sizeof(line), "real-trained classifier on real test          %.4f\n", s.real_on_real_test);
  out << line;
  std::snprintf(line, sizeof(line), "real-trained classifier on generated samples  %.4f\n", s.real_on_generated);
  out << line;
  for (size_t c = 0; c < s.real_on_generated_class.size(); ++c) {
    std::snprintf(line, sizeof(line), "  class %zu %-12s                         %.4f\n", c, kClassNames[c % 10],
                  s.real_on_generated_class[c]);
    out << line;
  }
  std::snprintf(line, sizeof(line), "CAS: generated-trained classifier on real test %.4f\n", s.cas);
  out << line;
  std::snprintf(line, sizeof(line), "same classifier trained on %lld real images    %.4f",
                static_cast<long long>(s.per_class * 10), s.real_same_count);
  out << line;
  return out.str();
}

std::string score_json(const GeneratorScore& s) {
  std::ostringstream out;
  out.precision(6);
  out << "{\"generator\": \"" << s.generator << "\", \"per_class\": " << s.per_class
      << ", \"real_on_real_test\": " << s.real_on_real_test << ", \"real_on_generated\": " << s.real_on_generated
      << ", \"real_on_generated_class\": [";
  for (size_t c = 0; c < s.real_on_generated_class.size(); ++c) out << (c ? ", " : "") << s.real_on_generated_class[c];
  out << "], \"cas\": " << s.cas << ", \"real_same_count\": " << s.real_same_count << "}";
  return out.str();
}

}  // namespace synthview::gan
