// `synthview train-generator`: GAN training of the builtin generator on real Fashion-MNIST (src/gan/), or with
// --score-only the sample-quality figures of the generator at generator.path (gan/score.h).
#include <iostream>

#include "cli/command.h"
#include "core/error.h"
#include "gan/score.h"
#include "gan/train_gan.h"
#include "gen/image_grid.h"

namespace synthview::cli {

int run_train_generator_command(const std::vector<std::string>& args) {
  po::options_description options("synthview train-generator options");
  add_config_options(options);
  options.add_options()
      ("resume,r", po::value<std::string>()->default_value(""),
       "continue from a GAN state file: 'auto' (<gan.out>.state.h5 if present) or a path")
      ("score-only", po::bool_switch(), "score the generator at generator.path instead of training (CAS etc.)")
      ("per-class", po::value<int64_t>()->default_value(1000),
       "--score-only: generated samples per class (0 = no scores, only --grid)")
      ("split", po::value<std::string>()->default_value("test"),
       "--score-only: held-out real images to compare with: val (train[50000:60000], for choosing a "
       "checkpoint) or test (final figures)")
      ("cnn-steps", po::value<int64_t>()->default_value(1500),
       "--score-only: Adam steps (batch 64) of each of the scorer's three small CNNs")
      ("grid", po::value<std::string>()->default_value(""),
       "--score-only: also write a PNG of 10 samples per class, one class per row")
      ("json", po::bool_switch(), "--score-only: print the scores as one JSON object");
  po::variables_map values;
  if (!parse_args("mpirun -np N synthview train-generator --config FILE [--set key=value ...] [--resume auto|PATH]\n"
                  "       synthview train-generator --score-only --config FILE --set generator.path=WEIGHTS [--json]",
                  args, options, {}, values)) {
    return 0;
  }
  Config config = config_from_args(values);
  if (values["score-only"].as<bool>()) {
    gan::ScoreOptions score_options;
    score_options.per_class = values["per-class"].as<int64_t>();
    score_options.split = values["split"].as<std::string>();
    score_options.cnn_steps = values["cnn-steps"].as<int64_t>();
    if (score_options.per_class < 0) throw InputError(str("--per-class=", score_options.per_class, " (expected >= 0)"));
    if (score_options.cnn_steps < 1) throw InputError(str("--cnn-steps=", score_options.cnn_steps, " (expected >= 1)"));
    if (score_options.split != "val" && score_options.split != "test") {
      throw InputError(str("--split=", score_options.split, " (expected val or test)"));
    }
    if (config.train.threads > 0) at::set_num_threads(static_cast<int>(config.train.threads));
    const std::string grid = values["grid"].as<std::string>();
    if (!grid.empty()) {
      // One row per class; an unconditional generator's 100 samples in 10 rows (in drawing order).
      auto generator = gen::make_generator(config, torch::kCPU);
      const auto& info = generator->info();
      const bool conditional = info.num_classes > 0;
      torch::Tensor images, labels;
      gan::generate_per_class(*generator, static_cast<uint64_t>(config.seed), conditional ? 10 : 100, images, labels);
      const int64_t rows = conditional ? info.num_classes : 10;
      gen::write_png(grid, gen::tile_grid(images.view({rows, -1, info.channels, info.resolution, info.resolution})));
      std::cout << "wrote " << grid << " (" << rows << (conditional ? " classes" : " rows") << " x 10 samples)"
                << std::endl;
    }
    if (score_options.per_class == 0) return 0;
    gan::GeneratorScore score = gan::score_generator(config, score_options);
    std::cout << (values["json"].as<bool>() ? gan::score_json(score) : gan::score_text(score)) << std::endl;
    return 0;
  }
  gan::GanRunOptions run_options{values["resume"].as<std::string>(), command_line_of(args)};
  return run_with_mpi([&] {
    gan::run_gan_training(config, run_options);
    return 0;
  });
}

}  // namespace synthview::cli
