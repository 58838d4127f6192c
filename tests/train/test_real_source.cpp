// data.source=real with data.real_train_images=N draws its anchors from train[0:N] only, so real-data
// runs tuned on the validation split (train[50000:60000]) never see it. Checked by finding every anchor
// of several batches among the first N training images (augmentations off, so anchors are the images).
#include <gtest/gtest.h>

#include "core/error.h"
#include "eval/idx.h"
#include "eval/images.h"
#include "train/components.h"

namespace synthview::train {
namespace {

struct Drawn {
  torch::Tensor anchors;  // [n, 28 * 28]
  torch::Tensor labels;   // [n]
};

Drawn draw_anchors(int64_t real_train_images, int64_t steps) {
  const Config config = load_config(SYNTHVIEW_TINY_CONFIG,
                                    {"data.source=real", "augment.enabled=false", "augment.out_size=28",
                                     str("data.real_train_images=", real_train_images), "dist.timeout_s=60"});
  Components parts = build_components(config);
  SampleSchedule schedule(config.train.batch_size, parts.comm->size(), parts.comm->rank(), config.data.unique_samples);
  std::unique_ptr<BatchSource> source = make_batch_source(config, parts, schedule, 0);
  std::vector<torch::Tensor> anchors, labels;
  for (int64_t step = 0; step < steps; ++step) {
    ViewBatchOnDevice batch = source->next();
    anchors.push_back(batch.images.select(1, 0).flatten(1));
    labels.push_back(batch.labels);
  }
  return {torch::cat(anchors), torch::cat(labels)};
}

// Index in `pool` of each row of `rows` that equals a pool row exactly, or -1.
torch::Tensor exact_matches(const torch::Tensor& rows, const torch::Tensor& pool) {
  torch::Tensor distance = torch::cdist(rows.to(torch::kFloat64), pool.to(torch::kFloat64));
  auto [nearest, index] = distance.min(1);
  return torch::where(nearest == 0, index, torch::full_like(index, -1));
}

TEST(RealSource, RealTrainImagesLimitsTheAnchorsToTheFirstNTrainingImages) {
  const eval::LabeledImages train = eval::load_fashion_mnist("/usr/share/datasets/fashion-mnist", "train");
  const int64_t first = 7;
  torch::Tensor pool = eval::to_encoder_input(train.images.narrow(0, 0, first), 1, 28).flatten(1);

  Drawn limited = draw_anchors(first, 4);  // 4 steps of 12 anchors: more draws than images
  torch::Tensor found = exact_matches(limited.anchors, pool);
  EXPECT_TRUE((found >= 0).all().item<bool>()) << "an anchor is not among train[0:" << first << "]";
  EXPECT_TRUE(torch::equal(limited.labels, train.labels.index_select(0, found.clamp_min(0))))
      << "anchor labels are not those of the images they show";
  EXPECT_GE(std::get<0>(at::_unique(found)).numel(), 4) << "the draws should spread over the pool";

  // The default (all 60000) is not confined to the first images: the check above can fail.
  Drawn unlimited = draw_anchors(60000, 1);
  EXPECT_TRUE((exact_matches(unlimited.anchors, pool) < 0).any().item<bool>());
}

TEST(RealSource, RealTrainImagesOutsideOneTo60000IsRefusedWithTheValue) {
  try {
    load_config(SYNTHVIEW_TINY_CONFIG, {"data.real_train_images=60001"});
    FAIL() << "60001 was accepted";
  } catch (const InputError& error) {
    EXPECT_NE(std::string(error.what()).find("60001"), std::string::npos) << error.what();
    EXPECT_NE(std::string(error.what()).find("data.real_train_images"), std::string::npos) << error.what();
  }
}

}  // namespace
}  // namespace synthview::train
