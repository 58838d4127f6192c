#include "gan/score.h"

#include <limits>

#include "core/error.h"
#include "core/rng.h"
#include "eval/idx.h"
#include "eval/images.h"
#include "gan/class_accuracy.h"
#include "gan/feature_cnn.h"
#include "gan/pixel_classifier.h"
#include "gan/sample_metrics.h"

namespace synthview::gan {
namespace {

constexpr int64_t kClasses = 10;
constexpr int64_t kTrainImages = eval::kValidationFirst;  // train[50000:60000] is the validation split
constexpr int64_t kPrecisionK = 3, kDensityK = 5;

struct Split {
  torch::Tensor images;  // float [N, C, S, S] in [-1, 1]
  torch::Tensor labels;
};

Split real_split(const Config& config, const gen::GeneratorInfo& info, const std::string& split, int64_t from,
                 int64_t to) {
  eval::LabeledImages raw = eval::load_fashion_mnist(config.data.real_path, split);
  raw.images = raw.images.slice(0, from, std::min(to, raw.images.size(0)));
  raw.labels = raw.labels.slice(0, from, std::min(to, raw.labels.size(0)));
  return {eval::to_encoder_input(raw.images, info.channels, info.resolution), raw.labels};
}

Split heldout_split(const Config& config, const gen::GeneratorInfo& info, const std::string& split) {
  if (split == "val") return real_split(config, info, "train", kTrainImages, 60000);
  if (split == "test") return real_split(config, info, "test", 0, 10000);
  throw InputError(synthview::str("--split=", split, " (expected val, train[50000:60000], or test)"));
}

// Fills the feature-space and correlation figures of `out` from generated vs real sets of one class or all.
void compare_sets(ClassScore& out, const torch::Tensor& fake_features, const torch::Tensor& real_features) {
  out.frechet = frechet_distance(fake_features, real_features);
  Fidelity f = fidelity(real_features, fake_features, kPrecisionK);
  out.precision = f.precision;
  out.recall = f.recall;
  Fidelity g = fidelity(real_features, fake_features, kDensityK);
  out.density = g.density;
  out.coverage = g.coverage;
}

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

GeneratorScore score_generator(const Config& config, const ScoreOptions& options) {
  if (options.per_class < std::max(kPrecisionK, kDensityK) + 1) {
    throw InputError(synthview::str("--per-class=", options.per_class, " is too few to score (expected >= ",
                                    std::max(kPrecisionK, kDensityK) + 1, ")"));
  }
  std::shared_ptr<gen::Generator> generator = gen::make_generator(config, torch::kCPU);
  const gen::GeneratorInfo& info = generator->info();
  if (info.num_classes != kClasses && info.num_classes != 0) {
    throw InputError(synthview::str("generator '", config.generator.path, "' has ", info.num_classes,
                         " classes (scoring on Fashion-MNIST needs 10, or 0 for an unconditional generator)"));
  }
  const bool conditional = info.num_classes == kClasses;
  const auto seed = static_cast<uint64_t>(config.seed);
  GeneratorScore score;
  score.generator = config.generator.path;
  score.split = options.split;
  score.per_class = options.per_class;
  score.cnn_steps = options.cnn_steps;
  score.labels = conditional ? "conditioning" : "real-cnn";
  const Split heldout = heldout_split(config, info, options.split);
  const Split train = real_split(config, info, "train", 0, kTrainImages);
  Split fake;
  generate_per_class(*generator, seed, options.per_class * (conditional ? 1 : kClasses), fake.images, fake.labels);
  const int64_t count = std::min<int64_t>(fake.images.size(0), kTrainImages);
  // The CNN trained on real images gives the feature space, and an unconditional generator's labels.
  FeatureCnn real_cnn = train_feature_cnn(train.images, train.labels, kClasses, options.cnn_steps, seed);
  const torch::Tensor real_cnn_on_fake = cnn_predict(real_cnn, fake.images);
  if (!conditional) fake.labels = real_cnn_on_fake;

  // Logistic regression on raw pixels.
  PixelClassifier pixels(train.images, train.labels, kClasses);
  score.real_on_heldout = pixels.accuracy(heldout.images, heldout.labels);
  const std::vector<double> pixel_on_fake = pixels.class_accuracy(fake.images, fake.labels);
  score.overall.real_on_generated = pixels.accuracy(fake.images, fake.labels);
  score.cas = PixelClassifier(fake.images, fake.labels, kClasses).accuracy(heldout.images, heldout.labels);
  score.real_same_count = PixelClassifier(train.images.slice(0, 0, count), train.labels.slice(0, 0, count), kClasses)
                              .accuracy(heldout.images, heldout.labels);

  // The small CNN: trained on real (above), on generated (CAS), on as many real images. Against its own
  // pseudo-labels the real-trained CNN scores 1 by construction: that figure is left out (NaN).
  const double nan = std::numeric_limits<double>::quiet_NaN();
  score.cnn_on_heldout = accuracy(cnn_predict(real_cnn, heldout.images), heldout.labels);
  score.overall.cnn_real_on_generated = conditional ? accuracy(real_cnn_on_fake, fake.labels) : nan;
  FeatureCnn fake_cnn = train_feature_cnn(fake.images, fake.labels, kClasses, options.cnn_steps, seed);
  const torch::Tensor fake_cnn_on_real = cnn_predict(fake_cnn, heldout.images);
  score.cnn_cas = score.overall.cnn_cas = accuracy(fake_cnn_on_real, heldout.labels);
  FeatureCnn same_count_cnn = train_feature_cnn(train.images.slice(0, 0, count), train.labels.slice(0, 0, count),
                                                kClasses, options.cnn_steps, seed);
  score.cnn_real_same_count = accuracy(cnn_predict(same_count_cnn, heldout.images), heldout.labels);
  const std::vector<double> cnn_on_fake = class_accuracy(real_cnn_on_fake, fake.labels, kClasses);
  const std::vector<double> cas_class = class_accuracy(fake_cnn_on_real, heldout.labels, kClasses);

  const torch::Tensor fake_features = cnn_features(real_cnn, fake.images);
  const torch::Tensor real_features = cnn_features(real_cnn, heldout.images);
  compare_sets(score.overall, fake_features, real_features);
  score.overall.share = 1;
  int64_t correlated_classes = 0;
  for (int64_t c = 0; c < kClasses; ++c) {
    ClassScore s;
    const torch::Tensor is_fake = fake.labels.eq(c).nonzero().squeeze(1), is_real = heldout.labels.eq(c).nonzero().squeeze(1);
    s.share = double(is_fake.numel()) / double(fake.labels.numel());
    s.real_on_generated = pixel_on_fake[c];
    s.cnn_real_on_generated = conditional ? cnn_on_fake[c] : nan;
    s.cnn_cas = cas_class[c];
    s.correlation_real = mean_pairwise_correlation(heldout.images.index_select(0, is_real));
    if (is_fake.numel() > std::max(kPrecisionK, kDensityK)) {  // enough samples for the neighbourhood figures
      s.correlation_generated = mean_pairwise_correlation(fake.images.index_select(0, is_fake));
      compare_sets(s, fake_features.index_select(0, is_fake), real_features.index_select(0, is_real));
      score.overall.correlation_generated += s.correlation_generated;
      score.overall.correlation_real += s.correlation_real;
      ++correlated_classes;
    } else {
      s.correlation_generated = s.frechet = s.precision = s.recall = s.density = s.coverage = nan;
    }
    score.classes.push_back(s);
  }
  // Overall correlation: the mean over the classes that have figures (all of them when conditional).
  score.overall.correlation_generated /= double(std::max<int64_t>(1, correlated_classes));
  score.overall.correlation_real /= double(std::max<int64_t>(1, correlated_classes));
  return score;
}

}  // namespace synthview::gan
