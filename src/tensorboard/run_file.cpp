#include "tensorboard/run_file.h"

namespace synthview::tensorboard {

std::unique_ptr<EventWriter> open_run_events(const std::string& run_dir, const std::string& kind, int64_t first_step,
                                             const std::string& config_yaml) {
  auto writer = std::make_unique<EventWriter>(run_dir, kind, first_step);
  writer->text("config", first_step, "```\n" + config_yaml + "```\n");
  writer->flush();
  return writer;
}

}  // namespace synthview::tensorboard
