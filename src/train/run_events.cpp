#include "train/run_events.h"

#include <algorithm>

#include "gen/image_grid.h"
#include "tensorboard/run_file.h"
#include "tensorboard/tags.h"

namespace synthview::train {

RunEvents::RunEvents(const Config& config, int64_t first_step) : images_every_(config.log.images_every) {
  if (!config.log.tensorboard) return;
  writer_ = tensorboard::open_run_events(config.run.dir, "train", first_step, config_to_yaml(config));
}

void RunEvents::step(int64_t step, const std::vector<std::pair<std::string, double>>& fields,
                     const torch::Tensor& images) {
  if (!writer_ || !writer_->ok()) return;
  writer_->scalars(step, tensorboard::tagged_metrics("train", fields));
  if (images_every_ > 0 && step % images_every_ == 0) {
    torch::Tensor grid = gen::tile_grid(images.narrow(0, 0, std::min(kGridRows, images.size(0))));
    writer_->image("views", step, gen::encode_png(grid), grid.size(0), grid.size(1), grid.size(2));
  }
  writer_->flush();
}

}  // namespace synthview::train
