#include "train/eval_events.h"

#include <filesystem>

#include "tensorboard/event_writer.h"
#include "tensorboard/tags.h"

namespace synthview::train {

std::string run_folder_of(const std::string& checkpoint_path) {
  const std::filesystem::path folder = std::filesystem::path(checkpoint_path).parent_path();
  if (folder.filename() == "checkpoints") return folder.parent_path().string();
  return folder.empty() ? std::string(".") : folder.string();
}

std::string append_eval_events(const eval::EvalReport& report, int64_t step) {
  tensorboard::Fields fields;
  if (report.linear) {
    fields.emplace_back("linear_top1", report.linear->test.top1);
    fields.emplace_back("linear_top5", report.linear->test.top5);
  }
  for (const auto& score : report.knn) {
    fields.emplace_back("knn_k" + std::to_string(score.k) + "_top1", score.test.top1);
    fields.emplace_back("knn_k" + std::to_string(score.k) + "_top5", score.test.top5);
  }
  tensorboard::EventWriter writer(run_folder_of(report.checkpoint), "eval", std::nullopt);
  writer.scalars(step, tensorboard::tagged_metrics("eval", fields));
  writer.flush();
  return writer.path();
}

}  // namespace synthview::train
