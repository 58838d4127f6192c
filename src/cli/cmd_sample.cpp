// `synthview sample`: a PNG grid, one row per anchor (the anchor, then its views), so a person
// can see what views.sigma, views.mode and augment.* do to the generator's samples.
#include <iostream>

#include "cli/command.h"
#include "core/error.h"
#include "gen/image_grid.h"
#include "gen/views.h"

namespace synthview::cli {

int run_sample_command(const std::vector<std::string>& args) {
  po::options_description options("synthview sample options");
  add_config_options(options);
  options.add_options()
      ("n,n", po::value<int64_t>()->default_value(8), "anchors (grid rows)")
      ("start", po::value<int64_t>()->default_value(0), "first draw index (anchors are draw mod data.unique_samples)")
      ("out,o", po::value<std::string>()->required(), "output PNG file");
  po::variables_map values;
  if (!parse_args("synthview sample --config FILE [--set key=value ...] --n N --out grid.png", args, options, {},
                  values)) {
    return 0;
  }
  Config config = config_from_args(values);
  const int64_t count = values["n"].as<int64_t>(), start = values["start"].as<int64_t>();
  if (count < 1 || count > 4096) throw InputError(str("--n ", count, " (expected 1..4096 anchors)"));
  if (start < 0) throw InputError(str("--start ", start, " (expected >= 0)"));
  bool cuda = config.device == "cuda" || (config.device == "auto" && torch::cuda::is_available());
  torch::Device device = cuda ? torch::Device(torch::kCUDA) : torch::Device(torch::kCPU);

  gen::ViewMaker maker(config, gen::make_generator(config, device));
  torch::Tensor draws = torch::arange(start, start + count, torch::kInt64);
  torch::Tensor anchors = config.data.unique_samples > 0 ? torch::remainder(draws, config.data.unique_samples) : draws;
  gen::ViewBatch batch = maker.make(draws, anchors);
  torch::Tensor rows = torch::cat({batch.anchors.unsqueeze(1), batch.views}, 1);  // [n, 1 + views, C, S, S]
  const std::string out = values["out"].as<std::string>();
  gen::write_png(out, gen::tile_grid(rows));
  std::cout << "wrote " << out << ": " << count << " anchors x (anchor + " << config.views.count << " views), "
            << maker.out_size() << " px, views.mode=" << config.views.mode << " views.sigma=" << config.views.sigma
            << "\n";
  return 0;
}

}  // namespace synthview::cli
