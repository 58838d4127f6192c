// Sample-quality figures of a class-conditional generator on Fashion-MNIST (docs/generators.md, "Sample
// quality"), overall and per class, none needing a downloaded network. Real images: train[0:50000] to train
// the scorer's classifiers; a held-out split to compare with: "val" = train[50000:60000] (for choosing a
// checkpoint) or "test" (for the final figures).
//  - real->gen: logistic regression on raw pixels (PixelClassifier) and the small CNN (feature_cnn.h), both
//    trained on train[0:50000], accuracy on generated samples (label = the conditioning class);
//  - CAS (classification accuracy score, Ravuri & Vinyals 2019): logistic regression and the small CNN
//    trained on the generated samples with their conditioning labels, accuracy on the held-out real images;
//    beside it the same classifiers trained on as many real training images;
//  - within-class mean pairwise pixel correlation, generated vs held-out real (sample_metrics.h);
//  - in the feature space of the real-trained CNN: Frechet distance, precision/recall (k = 3) and
//    density/coverage (k = 5), generated vs held-out real.
// An unconditional generator is scored the same way on 10 x per_class samples labelled by the real-trained CNN
// (pseudo-labels): CAS then asks whether its samples cover every class well enough to learn them, and the
// class shares show which classes it draws how often; a class with too few samples has no per-class figures.
// Deterministic for a fixed thread count (seeded CNN training, counter-RNG latents).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/config.h"
#include "gen/generator.h"

namespace synthview::gan {

struct ScoreOptions {
  int64_t per_class = 1000;    // generated samples per class
  std::string split = "test";  // held-out real images: "val" (train[50000:60000]) or "test"
  int64_t cnn_steps = 1500;    // Adam steps of batch 64 for each small CNN
};

struct ClassScore {
  double real_on_generated = 0;      // logistic regression trained on real, on generated samples
  double cnn_real_on_generated = 0;  // the CNN trained on real, on generated samples
  double cnn_cas = 0;                // the CNN trained on generated, on held-out real (of the class)
  double correlation_generated = 0, correlation_real = 0;  // mean pairwise pixel correlation (overall: class mean)
  double frechet = 0;
  double precision = 0, recall = 0, density = 0, coverage = 0;
  double share = 0;  // fraction of the generated samples in the class (0.1 each when conditional)
};

struct GeneratorScore {
  std::string generator;  // generator.path
  std::string split;
  std::string labels = "conditioning";  // the generated samples' labels: conditioning, or real-cnn (pseudo)
  int64_t per_class = 0;
  int64_t cnn_steps = 0;
  double real_on_heldout = 0;      // logistic regression trained on real, on held-out real: its ceiling
  double cnn_on_heldout = 0;       // the same for the CNN
  double cas = 0;                  // logistic regression trained on generated, on held-out real
  double real_same_count = 0;      // ... trained on per_class * 10 real training images instead
  double cnn_cas = 0;              // the CNN trained on generated, on held-out real
  double cnn_real_same_count = 0;  // ... trained on per_class * 10 real training images instead
  ClassScore overall;
  std::vector<ClassScore> classes;
};

// per_class samples of every class: latents truncated normals (bound 2) from the counter RNG (seed, stream
// kUser + 30); images [N, C, H, W], labels int64 [N], class-major order (one class when unconditional).
void generate_per_class(gen::Generator& generator, uint64_t seed, int64_t per_class, torch::Tensor& images,
                        torch::Tensor& labels);

// Needs a generator with 10 classes or an unconditional one (InputError otherwise) and data.real_path.
GeneratorScore score_generator(const Config& config, const ScoreOptions& options);

std::string score_text(const GeneratorScore& score);
std::string score_json(const GeneratorScore& score);

}  // namespace synthview::gan
