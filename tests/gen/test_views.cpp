#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "core/schedule.h"
#include "gen/builtin_generator.h"
#include "gen/views.h"

using namespace synthview;

namespace {

Config small_config() {
  Config config;
  config.seed = 21;
  config.generator.latent_dim = 16;
  config.generator.num_classes = 4;
  config.generator.channels = 3;
  config.generator.resolution = 16;
  config.generator.width = 8;
  config.augment.out_size = 0;
  return config;
}

gen::ViewMaker maker(const Config& config) {
  return gen::ViewMaker(config, std::make_shared<gen::BuiltinGenerator>(gen::builtin_info(config.generator),
                                                                       config.generator.width, 3));
}

torch::Tensor range(int64_t first, int64_t count) { return torch::arange(first, first + count, torch::kInt64); }

double mean_distance(const torch::Tensor& a, const torch::Tensor& b) {
  return (a - b).flatten(1).norm(2, 1).mean().item<double>();
}

}  // namespace

TEST(Views, SameIndexSameImagesWhateverBatchOrRankSlice) {
  Config config = small_config();
  config.views.count = 2;
  gen::ViewMaker views = maker(config);
  SampleSchedule single(8, 1, 0, 0);
  torch::Tensor draws = single.draw_indices(40);
  gen::ViewBatch whole = views.make(draws, single.anchor_indices(draws));
  std::vector<torch::Tensor> seen;
  for (int rank = 0; rank < 2; ++rank) {
    SampleSchedule schedule(8, 2, rank, 0);
    torch::Tensor mine = schedule.draw_indices(40);
    seen.push_back(mine);
    gen::ViewBatch part = views.make(mine, schedule.anchor_indices(mine));
    torch::Tensor rows = mine - 40;
    EXPECT_TRUE(torch::equal(part.class_ids, whole.class_ids.index({rows})));
    EXPECT_TRUE(torch::equal(part.anchors, whole.anchors.index({rows})));
    EXPECT_TRUE(torch::equal(part.views, whole.views.index({rows})));
  }
  // Rank slices are disjoint and cover the step.
  EXPECT_TRUE(torch::equal(torch::cat(seen), draws));
  // A reordered batch gives each draw the same images.
  torch::Tensor shuffled = torch::tensor({45, 41, 47}, torch::kInt64);
  gen::ViewBatch reordered = views.make(shuffled, shuffled);
  EXPECT_TRUE(torch::equal(reordered.views, whole.views.index({shuffled - 40})));
  EXPECT_EQ(whole.anchors.sizes(), torch::IntArrayRef({8, 3, 16, 16}));
  EXPECT_EQ(whole.views.sizes(), torch::IntArrayRef({8, 2, 3, 16, 16}));
}

TEST(Views, FinitePoolOfNGivesNDistinctAnchorsWithFreshViews) {
  Config config = small_config();
  config.augment.enabled = false;
  gen::ViewMaker views = maker(config);
  SampleSchedule schedule(30, 1, 0, 7);
  torch::Tensor draws = schedule.draw_indices(0);
  torch::Tensor anchors = schedule.anchor_indices(draws);
  gen::ViewBatch batch = views.make(draws, anchors);
  torch::Tensor flat = batch.anchors.flatten(1);
  EXPECT_EQ(std::get<0>(torch::unique_dim(views.anchor_latents(anchors), 0)).size(0), 7);
  EXPECT_EQ(std::get<0>(torch::unique_dim(flat, 0)).size(0), 7);
  // Draws 0 and 7 show anchor 0: same anchor image, different views.
  EXPECT_TRUE(torch::equal(batch.anchors[0], batch.anchors[7]));
  EXPECT_FALSE(torch::allclose(batch.views[0], batch.views[7], 0, 1e-3));
}

TEST(Views, SigmaZeroWithoutAugmentationGivesTheAnchor) {
  Config config = small_config();
  config.views.sigma = 0;
  config.views.count = 3;
  config.augment.enabled = false;
  gen::ViewMaker views = maker(config);
  gen::ViewBatch batch = views.make(range(0, 6), range(0, 6));
  for (int64_t k = 0; k < 3; ++k) EXPECT_TRUE(torch::equal(batch.views.select(1, k), batch.anchors)) << k;
}

TEST(Views, ViewsMoveAwayMonotonicallyAsSigmaGrows) {
  Config config = small_config();
  config.augment.enabled = false;
  double last_latent = 0, last_pixel = 0;
  for (double sigma : {0.05, 0.2, 0.5, 1.0, 2.0}) {
    config.views.sigma = sigma;
    gen::ViewMaker views = maker(config);
    torch::Tensor index = range(100, 48);
    gen::ViewBatch batch = views.make(index, index);
    torch::Tensor z = views.anchor_latents(index);
    double latent = mean_distance(views.view_latents(z, index).select(1, 0), z);
    double pixel = mean_distance(batch.views.select(1, 0), batch.anchors);
    EXPECT_GT(latent, last_latent) << "sigma " << sigma;
    EXPECT_GT(pixel, last_pixel) << "sigma " << sigma;
    // E|delta| for a 16-d truncated normal is about 4 (sqrt(16 * 0.77)).
    EXPECT_NEAR(latent / sigma, 3.5, 0.8) << "sigma " << sigma;
    last_latent = latent;
    last_pixel = pixel;
  }
}

TEST(Views, IndependentAndAnchorModes) {
  Config config = small_config();
  config.views.count = 2;
  torch::Tensor index = range(0, 16);
  config.views.mode = "independent";
  gen::ViewMaker independent = maker(config);
  torch::Tensor z = independent.anchor_latents(index);
  torch::Tensor fresh = independent.view_latents(z, index);
  // Fresh latents: as far from the anchor as two independent draws (about sqrt(2) * 3.5).
  EXPECT_GT(mean_distance(fresh.select(1, 0), z), 4.0);
  EXPECT_FALSE(torch::allclose(fresh.select(1, 0), fresh.select(1, 1)));
  gen::ViewBatch batch = independent.make(index, index);
  EXPECT_TRUE(torch::equal(batch.class_ids, independent.anchor_classes(index)));  // same class kept

  config.views.mode = "anchor";
  gen::ViewMaker anchor = maker(config);
  EXPECT_TRUE(torch::equal(anchor.view_latents(z, index).select(1, 1), z));
  gen::ViewBatch pixel_views = anchor.make(index, index);
  // Only the (different) augmentations separate views from anchors.
  EXPECT_FALSE(torch::allclose(pixel_views.views.select(1, 0), pixel_views.anchors, 0, 1e-3));
}

TEST(Views, ClassesAreUniformAndMinusOneWhenUnconditional) {
  Config config = small_config();
  gen::ViewMaker views = maker(config);
  torch::Tensor classes = views.anchor_classes(range(0, 4000));
  EXPECT_EQ(classes.min().item<int64_t>(), 0);
  EXPECT_EQ(classes.max().item<int64_t>(), 3);
  torch::Tensor counts = torch::bincount(classes);
  EXPECT_GT(counts.min().item<int64_t>(), 900);
  config.generator.num_classes = 0;
  gen::ViewBatch batch = maker(config).make(range(0, 3), range(0, 3));
  EXPECT_TRUE(torch::equal(batch.class_ids, torch::full({3}, int64_t{-1}, torch::kInt64)));
}

TEST(Views, RealImagesGoThroughTheSameAugmentations) {
  Config config = small_config();
  config.augment.out_size = 8;
  CounterRng rng(config.seed);
  torch::Tensor images = torch::rand({5, 1, 12, 12}) * 2 - 1;
  torch::Tensor draws = range(10, 5);
  torch::Tensor labels = torch::tensor({1, 2, 3, 4, 5}, torch::kInt64);
  gen::ViewBatch batch = gen::augment_views(config, rng, images, draws, 2, labels);
  EXPECT_EQ(batch.anchors.sizes(), torch::IntArrayRef({5, 1, 8, 8}));
  EXPECT_EQ(batch.views.sizes(), torch::IntArrayRef({5, 2, 1, 8, 8}));
  EXPECT_TRUE(torch::equal(batch.class_ids, labels));
  EXPECT_FALSE(torch::allclose(batch.views.select(1, 0), batch.anchors, 0, 1e-3));
  gen::ViewBatch again = gen::augment_views(config, rng, images.slice(0, 1, 3), draws.slice(0, 1, 3), 2);
  EXPECT_TRUE(torch::equal(again.views, batch.views.slice(0, 1, 3)));
  config.augment.enabled = false;
  config.augment.out_size = 0;
  gen::ViewBatch plain = gen::augment_views(config, rng, images, draws, 1);
  EXPECT_TRUE(torch::equal(plain.anchors, images));
  EXPECT_TRUE(torch::equal(plain.views.select(1, 0), images));
}

TEST(Views, ImagesDoNotDependOnTheIntraOpThreadCount) {
  // The prefetching producer runs with its own thread count: its batches must equal the trainer's.
  Config config = small_config();
  config.generator.width = 16;
  gen::ViewMaker views = maker(config);
  torch::Tensor index = range(0, 64);
  const int threads = at::get_num_threads();
  at::set_num_threads(1);
  gen::ViewBatch one = views.make(index, index);
  at::set_num_threads(2);
  gen::ViewBatch two = views.make(index, index);
  at::set_num_threads(threads);
  EXPECT_TRUE(torch::equal(one.anchors, two.anchors));
  EXPECT_TRUE(torch::equal(one.views, two.views));
}

TEST(Views, RenormalizedViewsAreTheDirectFormulaAndKeepThePriorsVariance) {
  Config config = small_config();
  config.views.count = 2;
  config.views.sigma = 1.0;
  torch::Tensor index = range(0, 2000);
  gen::ViewMaker plain = maker(config);
  config.views.renormalize = true;
  gen::ViewMaker renormalized = maker(config);
  torch::Tensor z = plain.anchor_latents(index);
  ASSERT_TRUE(torch::equal(z, renormalized.anchor_latents(index)));
  torch::Tensor moved = plain.view_latents(z, index).to(torch::kFloat64);  // z + sigma * delta
  torch::Tensor delta = moved - z.to(torch::kFloat64).unsqueeze(1);
  torch::Tensor expected = (z.to(torch::kFloat64).unsqueeze(1) + 1.0 * delta) / std::sqrt(2.0);
  torch::Tensor got = renormalized.view_latents(z, index).to(torch::kFloat64);
  EXPECT_TRUE(torch::allclose(got, expected, 0, 1e-6));
  // z and delta are independent with the same law: the renormalised view has z's variance, the plain one twice it.
  const double var_z = z.to(torch::kFloat64).var().item<double>();
  EXPECT_NEAR(got.var().item<double>() / var_z, 1.0, 0.05);
  EXPECT_NEAR(moved.var().item<double>() / var_z, 2.0, 0.1);
}

TEST(Views, DeltaTruncationBoundsTheNoiseOnly) {
  Config config = small_config();
  config.views.sigma = 0.5;
  config.views.delta_truncation = 0.25;
  torch::Tensor index = range(0, 500);
  gen::ViewMaker views = maker(config);
  torch::Tensor z = views.anchor_latents(index);
  torch::Tensor delta = (views.view_latents(z, index).select(1, 0) - z) / 0.5;
  EXPECT_LE(delta.abs().max().item<double>(), 0.25 + 1e-5);
  EXPECT_GT(delta.abs().max().item<double>(), 0.2);
  EXPECT_GT(z.abs().max().item<double>(), 1.5);  // anchors keep views.truncation = 2
}

// Run twice by tests/gen/blas_threads.sh, under OPENBLAS_NUM_THREADS=1 and =2: both runs must write the
// same bytes. Without core/blas_threads.h's pin they differ on a 2-CPU machine (checked when written).
TEST(ViewsRenderFile, WritesAnchorsAndViewsToTheGivenFile) {
  const char* out = std::getenv("SYNTHVIEW_TEST_RENDER_OUT");
  if (out == nullptr) GTEST_SKIP() << "run by blas_threads.sh, which sets SYNTHVIEW_TEST_RENDER_OUT";
  Config config = small_config();
  config.generator.resolution = 32;
  config.generator.width = 32;
  config.generator.latent_dim = 128;
  gen::ViewMaker views = maker(config);
  SampleSchedule schedule(64, 1, 0, 0);
  torch::Tensor draws = schedule.draw_indices(0);
  gen::ViewBatch batch = views.make(draws, schedule.anchor_indices(draws));
  std::ofstream file(out, std::ios::binary);
  for (const torch::Tensor& images : {batch.anchors, batch.views}) {
    const torch::Tensor contiguous = images.contiguous();
    file.write(static_cast<const char*>(contiguous.data_ptr()), static_cast<std::streamsize>(contiguous.nbytes()));
  }
  ASSERT_TRUE(file.good()) << "could not write " << out;
}
