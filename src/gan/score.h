// Sample-quality figures of a class-conditional generator on Fashion-MNIST that need no downloaded network
// (docs/generators.md): both use PixelClassifier (logistic regression on raw pixels).
//  (a) real->gen: trained on the 60000 real training images, accuracy on generated samples of each class;
//  (b) CAS (classification accuracy score, Ravuri & Vinyals 2019): trained on generated samples with their
//      conditioning labels, accuracy on the 10000 real test images; next to it the same classifier trained on
//      as many real training images, so the gap is visible.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/config.h"
#include "gen/generator.h"

namespace synthview::gan {

struct GeneratorScore {
  std::string generator;            // generator.path
  int64_t per_class = 0;            // generated samples per class
  double real_on_real_test = 0;     // (a)'s classifier on the real test split: its ceiling
  double real_on_generated = 0;     // (a) over all classes
  std::vector<double> real_on_generated_class;
  double cas = 0;                   // (b)
  double real_same_count = 0;       // (b)'s classifier trained on per_class * 10 real images instead
};

// per_class samples of every class: latents truncated normals (bound 2) from the counter RNG (seed, stream
// kUser + 30); images [N, C, H, W], labels int64 [N], class-major order (one class when unconditional).
void generate_per_class(gen::Generator& generator, uint64_t seed, int64_t per_class, torch::Tensor& images,
                        torch::Tensor& labels);

// Needs a conditional generator with 10 classes (InputError otherwise) and data.real_path.
GeneratorScore score_generator(const Config& config, int64_t per_class);

std::string score_text(const GeneratorScore& score);
std::string score_json(const GeneratorScore& score);

}  // namespace synthview::gan
