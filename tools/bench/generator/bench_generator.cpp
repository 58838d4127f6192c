// bench_generator: throughput of the built-in generator + augmentations, and how much of it the
// prefetching shard hides behind a simulated training step.
//   bench_generator [batch=256] [steps=5] [trainer_threads=1] [producer_threads=1] [render_chunk=32]
//   bench_generator BATCH STEPS THREADS 1 32,64,256 [rounds=3]: views (gen + augment) only, for each
//     render_chunk in turn, alternating for `rounds` rounds: what canonical chunks cost (issue 15).
// Uses the default config (the demo's generator: 64-d latent, 10 classes, 1x32x32, width 64).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "augment/pipeline.h"
#include "core/allocator.h"
#include "core/schedule.h"
#include "gen/builtin_generator.h"
#include "gen/prefetch.h"

using namespace synthview;
using Clock = std::chrono::steady_clock;

namespace {

template <typename F>
double seconds_per_call(int64_t calls, F&& f) {
  f();  // warm-up
  auto start = Clock::now();
  for (int64_t i = 0; i < calls; ++i) f();
  return std::chrono::duration<double>(Clock::now() - start).count() / calls;
}

// A compute-bound stand-in for forward + backward: matmuls of a fixed size, `reps` times.
void fake_train_step(const torch::Tensor& a, int64_t reps) {
  torch::Tensor x = a;
  for (int64_t i = 0; i < reps; ++i) x = torch::tanh(torch::mm(x, a));
}

double run_steps(gen::PrefetchingShard& shard, int64_t steps, const std::function<void()>& train_step) {
  shard.next();  // fill the pipeline
  auto start = Clock::now();
  for (int64_t i = 0; i < steps; ++i) {
    gen::ViewBatch batch = shard.next();
    train_step();
  }
  return std::chrono::duration<double>(Clock::now() - start).count() / steps;
}

// ms per batch of ViewMaker::make for each chunk size, measured in alternation so that load on the
// machine falls on every size alike.
int compare_chunks(int64_t batch, int64_t steps, const std::string& list, int rounds) {
  std::vector<int64_t> chunks;
  for (size_t at = 0; at < list.size();) {
    size_t comma = list.find(',', at);
    chunks.push_back(std::stoll(list.substr(at, comma - at)));
    at = comma == std::string::npos ? list.size() : comma + 1;
  }
  SampleSchedule schedule(batch, 1, 0, 0);
  torch::Tensor draws = schedule.draw_indices(0);
  std::vector<std::vector<double>> ms(chunks.size());
  for (int round = 0; round < rounds; ++round) {
    for (size_t i = 0; i < chunks.size(); ++i) {
      Config config;
      config.generator.render_chunk = chunks[i];
      auto generator =
          std::make_shared<gen::BuiltinGenerator>(gen::builtin_info(config.generator), config.generator.width, 0);
      gen::ViewMaker maker(config, generator);
      ms[i].push_back(1e3 * seconds_per_call(steps, [&] { maker.make(draws, draws); }));
    }
  }
  for (size_t i = 0; i < chunks.size(); ++i) {
    std::sort(ms[i].begin(), ms[i].end());
    std::printf("render_chunk %5lld: views of %lld anchors: median %7.1f ms per batch (min %7.1f, max %7.1f; "
                "%d rounds)\n",
                (long long)chunks[i], (long long)batch, ms[i][ms[i].size() / 2], ms[i].front(), ms[i].back(), rounds);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  synthview::configure_allocator();  // as the synthview binary does
  const int64_t batch = argc > 1 ? std::atoll(argv[1]) : 256;
  const int64_t steps = argc > 2 ? std::atoll(argv[2]) : 5;
  const int trainer_threads = argc > 3 ? std::atoi(argv[3]) : 1;
  const int producer_threads = argc > 4 ? std::atoi(argv[4]) : 1;
  at::set_num_threads(trainer_threads);
  torch::NoGradGuard no_grad;

  if (argc > 5 && std::string(argv[5]).find(',') != std::string::npos) {
    return compare_chunks(batch, steps, argv[5], argc > 6 ? std::atoi(argv[6]) : 3);
  }
  Config config;
  if (argc > 5) config.generator.render_chunk = std::atoll(argv[5]);
  auto generator = std::make_shared<gen::BuiltinGenerator>(gen::builtin_info(config.generator), config.generator.width, 0);
  auto maker = std::make_shared<const gen::ViewMaker>(config, generator);
  int64_t params = 0;
  for (const auto& p : generator->net()->parameters()) params += p.numel();
  std::printf("builtin generator: %lld parameters, %lldx%lld px, %lld channel(s); batch %lld anchors + %lld view(s); "
              "trainer threads %d, producer threads %d, render_chunk %lld\n",
              (long long)params, (long long)config.generator.resolution, (long long)config.generator.resolution,
              (long long)config.generator.channels, (long long)batch, (long long)config.views.count, trainer_threads,
              producer_threads, (long long)config.generator.render_chunk);

  SampleSchedule schedule(batch, 1, 0, 0);
  torch::Tensor draws = schedule.draw_indices(0);
  torch::Tensor z = maker->anchor_latents(draws);
  torch::Tensor y = maker->anchor_classes(draws);
  const int64_t images_per_batch = batch * (1 + config.views.count);
  torch::Tensor all_z = z.repeat({1 + config.views.count, 1});
  torch::Tensor all_y = y.repeat({1 + config.views.count});
  double t_gen = seconds_per_call(steps, [&] { generator->generate(all_z, all_y); });
  double t_make = seconds_per_call(steps, [&] { maker->make(draws, draws); });
  torch::Tensor images = generator->generate(all_z, all_y);
  torch::Tensor image_draws = draws.repeat({1 + config.views.count});
  CounterRng rng(0);
  double t_aug = seconds_per_call(steps, [&] { augment::augment(config.augment, rng, images, image_draws, 1, 0); });
  std::printf("generator forward:         %7.1f ms per batch  %8.0f images/s\n", 1e3 * t_gen, images_per_batch / t_gen);
  std::printf("augmentations alone:       %7.1f ms per batch  %8.0f images/s\n", 1e3 * t_aug, images_per_batch / t_aug);
  std::printf("views (gen + augment):     %7.1f ms per batch  %8.0f anchors/s (%.0f images/s)\n", 1e3 * t_make,
              batch / t_make, images_per_batch / t_make);

  // Simulated training steps: one compute-bound (competes for the cores), one that waits (as a
  // trainer waiting on a GPU would), each calibrated to last about as long as producing a batch.
  torch::Tensor a = torch::randn({512, 512}) * 0.05;
  double t_rep = seconds_per_call(3, [&] { fake_train_step(a, 1); });
  int64_t reps = std::max<int64_t>(1, static_cast<int64_t>(t_make / t_rep));
  auto compute_step = [&] { fake_train_step(a, reps); };
  auto waiting_step = [&] { std::this_thread::sleep_for(std::chrono::duration<double>(t_make)); };
  for (const auto& [name, step] : {std::pair<const char*, std::function<void()>>{"compute-bound", compute_step},
                                   std::pair<const char*, std::function<void()>>{"waiting", waiting_step}}) {
    double t_step = seconds_per_call(2, step);
    gen::PrefetchingShard sync(maker, schedule, 0, 0, torch::kCPU, producer_threads);
    double t_sync = run_steps(sync, steps, step);
    gen::PrefetchingShard ahead(maker, schedule, 0, 2, torch::kCPU, producer_threads);
    double t_ahead = run_steps(ahead, steps, step);
    double hidden = (t_sync - t_ahead) / t_make;
    std::printf("%-14s step %6.1f ms: synchronous %6.1f ms/step, prefetch=2 %6.1f ms/step -> %3.0f%% of batch "
                "production hidden\n",
                name, 1e3 * t_step, 1e3 * t_sync, 1e3 * t_ahead, 100 * hidden);
  }
  return 0;
}
