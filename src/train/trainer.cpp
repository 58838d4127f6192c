// The training loop. One step reads top to bottom:
//   draw samples -> make views -> encode -> gather -> loss -> backward (overlapped all-reduce) -> step.
// Everything a step needs is built once in the Trainer constructor; checkpoint capture and restore
// live in train/state.cpp, component construction in train/components.cpp.
#include "train/trainer.h"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "ckpt/run_dir.h"
#include "core/error.h"
#include "core/schedule.h"
#include "dist/gather.h"
#include "dist/root_task.h"
#include "eval/embedding_metrics.h"
#include "loss/contrastive_loss.h"
#include "model/autocast.h"
#include "train/agreement.h"
#include "train/checkpoint_saver.h"
#include "train/components.h"
#include "train/progress.h"
#include "train/run_events.h"
#include "train/state.h"
#include "train/stop_request.h"

namespace synthview::train {
namespace {

namespace fs = std::filesystem;

class Trainer {
 public:
  Trainer(const Config& config, const RunOptions& options)
      : config_(config), options_(options), parts_(build_components(config)),
        root_task_(MPI_COMM_WORLD, config.dist.timeout_s), saver_(config, root_task_, parts_.comm->rank() == 0),
        schedule_(config.train.batch_size, parts_.comm->size(), parts_.comm->rank(), config.data.unique_samples),
        progress_(config.train.steps, config.run.log_every) {
    if (schedule_.local_batch() % config.train.grad_accum != 0) {
      throw InputError(str("train.grad_accum=", config.train.grad_accum, " does not divide the per-rank batch ",
                           schedule_.local_batch(), " (train.batch_size / world size)"));
    }
    parts_.model->train();
    start_from_rank0_state();
    source_ = make_batch_source(config_, parts_, schedule_, samples_drawn_);
  }

  RunSummary run() {
    if (is_main()) {
      std::cerr << "synthview: training " << config_.model.encoder << " on " << parts_.comm->size()
                << " rank(s), device " << parts_.device << ", global batch " << config_.train.batch_size << ", "
                << (step_ > 0 ? str("resuming at step ", step_, ", ") : std::string()) << "outputs in "
                << config_.run.dir << "\n"
                << "resolved config:\n"
                << config_to_table(config_);
    }
    auto run_start = PhaseTimer::Clock::now();
    int stopped_by = 0;
    while (step_ < config_.train.steps) {
      train_step();
      bool last = step_ == config_.train.steps;
      if (last || stop_signal_ != 0 || (config_.ckpt.every > 0 && step_ % config_.ckpt.every == 0)) {
        save_checkpoint();
      }
      if (stop_signal_ != 0 && !last) {
        stopped_by = stop_signal_;
        break;
      }
    }
    saver_.finish();  // the last checkpoint is complete before train returns
    const std::string& last_checkpoint = saver_.last_checkpoint();
    if (is_main()) {
      progress_.done();
      double seconds = std::chrono::duration<double>(PhaseTimer::Clock::now() - run_start).count();
      std::string checkpoint = last_checkpoint.empty() ? "(none)" : last_checkpoint;
      if (stopped_by != 0) {
        std::cerr << "synthview: stopped by " << signal_name(stopped_by) << " after step " << step_ << " of "
                  << config_.train.steps << "; checkpoint " << checkpoint << "; continue with --resume auto\n";
      } else {
        std::cerr << "synthview: done: " << step_ << " steps, " << samples_drawn_ << " samples drawn in "
                  << format_duration(seconds) << "; metrics " << metrics_path() << ", checkpoint " << checkpoint
                  << "\n";
      }
    }
    return {step_, samples_drawn_, last_loss_, config_.run.dir, last_checkpoint, stopped_by};
  }

 private:
  bool is_main() const { return parts_.comm->rank() == 0; }
  std::string metrics_path() const { return (fs::path(config_.run.dir) / "metrics.jsonl").string(); }

  void train_step() {
    PhaseTimer timer;
    auto step_start = PhaseTimer::Clock::now();
    parts_.comm->set_step(step_);
    const int64_t local_batch = schedule_.local_batch();

    parts_.optimizer->zero_grad();

    // 1-2. Draw this rank's samples and make their views (prefetched in the background).
    timer.start("generate");
    ViewBatchOnDevice batch = source_->next();  // images [b, V, C, H, W], labels [b]

    // Micro-batches (train.grad_accum) split the local batch; each gathers and contrasts its own
    // global micro-batch, so accumulation saves memory but does not enlarge the negative set.
    const int64_t view_count = batch.images.size(1);
    const int64_t micro_batches = config_.train.grad_accum;
    const int64_t micro_size = local_batch / micro_batches;
    const bool bf16 = config_.train.precision == "bf16";
    // Loss and top-1 stay on the device until the one host copy of the step (below).
    const auto stat_options = torch::TensorOptions().dtype(torch::kFloat64).device(parts_.device);
    torch::Tensor local_loss = torch::zeros({}, stat_options), top1 = torch::zeros({}, stat_options);
    torch::Tensor global_embeddings;
    for (int64_t micro = 0; micro < micro_batches; ++micro) {
      torch::Tensor images = batch.images.narrow(0, micro * micro_size, micro_size);
      if (config_.train.precision == "fp64") images = images.to(torch::kFloat64);
      torch::Tensor labels = batch.labels.narrow(0, micro * micro_size, micro_size);

      // 3. Encode every view of every local anchor in one pass.
      timer.start("forward");
      torch::Tensor embeddings;
      {
        model::AutocastGuard autocast(parts_.device, bf16);
        embeddings = parts_.model->forward(images.flatten(0, 1));
      }
      if (bf16) embeddings = embeddings.to(torch::kFloat);  // gather and loss stay float32
      embeddings = embeddings.view({micro_size, view_count, -1});

      // 4. Gather: every rank contrasts its anchors against the global batch.
      timer.start("gather");
      global_embeddings = dist::all_gather_with_grad(*parts_.comm, embeddings.flatten(1))
                              .view({-1, view_count, embeddings.size(2)});

      // 5. Loss over global negatives, normalised per local anchor (see docs/distributed.md).
      timer.start("loss");
      const int64_t local_offset = parts_.comm->rank() * micro_size;
      torch::Tensor loss = compute_loss(embeddings, global_embeddings, local_offset, labels) / double(micro_batches);
      top1 = top1 + loss::contrastive_top1(embeddings.detach(), global_embeddings.detach(), local_offset) /
                        double(micro_batches);

      // 6. Backward; in the last micro-batch gradient buckets are all-reduced while backward continues.
      timer.start("backward");
      parts_.reducer->set_enabled(micro + 1 == micro_batches);
      loss.backward();
      local_loss = local_loss + loss.detach().to(torch::kFloat64);
    }
    timer.start("comm_wait");
    parts_.reducer->finish();

    // Agree across ranks on loss and accuracy, learn which ranks (if any) saw a non-finite loss,
    // whether any rank was asked to stop (then every rank stops after this same step), and whether
    // rank 0's background checkpoint write failed under ckpt.on_error=abort (then every rank ends now).
    // This copy is the step's only device-to-host synchronisation (the flags are filled on the device).
    torch::Tensor stop_flag = torch::full({}, double(stop_request_.signal()), stat_options);
    torch::Tensor write_failed = torch::full({}, saver_.poll_failure(), stat_options);
    torch::Tensor local_stats = torch::stack({local_loss, top1, stop_flag, write_failed});
    torch::Tensor per_rank = parts_.comm->all_gather(local_stats.unsqueeze(0)).cpu();  // [W, 4]
    if (per_rank.select(1, 3).max().item<double>() > 0) saver_.raise_failure();
    const double mean_loss = per_rank.select(1, 0).mean().item<double>();
    const double mean_top1 = per_rank.select(1, 1).mean().item<double>();
    stop_signal_ = static_cast<int>(per_rank.select(1, 2).max().item<double>());
    std::string nonfinite_ranks;
    for (int64_t r = 0; r < per_rank.size(0); ++r) {
      double value = per_rank[r][0].item<double>();
      if (!std::isfinite(value)) nonfinite_ranks += str(nonfinite_ranks.empty() ? "" : ", ", r, " (", value, ")");
    }

    // 7. Optimizer step at this step's learning rate.
    timer.start("optimizer");
    const double lr = parts_.lr_schedule.at(step_);
    bool skipped = false;
    if (!nonfinite_ranks.empty()) {
      std::string where = str("step ", step_, ": non-finite loss on rank(s) ", nonfinite_ranks);
      if (config_.train.on_nonfinite == "abort") {
        throw Error(str(where, "; lower optim.lr, or set train.on_nonfinite=skip to skip such steps"));
      }
      if (is_main()) std::cerr << "\nsynthview: warning: skipping the update at " << where << "\n";
      skipped = true;
    } else {
      optim::set_lr(*parts_.optimizer, lr);
      parts_.optimizer->step();
    }

    step_ += 1;
    samples_drawn_ = schedule_.advance(samples_drawn_);
    last_loss_ = mean_loss;

    auto phases = timer.finish();
    double step_seconds = std::chrono::duration<double>(PhaseTimer::Clock::now() - step_start).count();
    double samples_per_second = static_cast<double>(config_.train.batch_size) / step_seconds;
    std::vector<std::pair<std::string, double>> fields = {
        {"step", double(step_)},    {"samples_drawn", double(samples_drawn_)}, {"loss", mean_loss},
        {"top1", mean_top1},        {"lr", lr},                                 {"samples_per_s", samples_per_second},
        {"skipped", skipped ? 1.0 : 0.0}};
    for (const auto& [phase, seconds] : phases) fields.emplace_back("time_" + phase, seconds);
    if (config_.train.align_every > 0 && step_ % config_.train.align_every == 0 && view_count >= 2) {
      torch::Tensor z = global_embeddings.detach();
      fields.emplace_back("alignment", eval::alignment(z.select(1, 0), z.select(1, 1)));
      fields.emplace_back("uniformity", eval::uniformity(z.select(1, 0)));
    }
    record_history(history_, step_, {{"loss", mean_loss}, {"top1", mean_top1}, {"lr", lr}});
    if (is_main()) {
      metrics_.write(fields);
      events_->step(step_, fields, batch.images);
      progress_.update(step_, mean_loss, mean_top1, lr, samples_per_second, step_seconds);
    }
  }

  torch::Tensor compute_loss(const torch::Tensor& local, const torch::Tensor& global, int64_t local_offset,
                             const torch::Tensor& local_labels) {
    if (config_.loss.name == "supcon") {
      torch::Tensor global_labels = parts_.comm->all_gather(local_labels);
      return loss::supcon(local, global, local_offset, local_labels, global_labels, config_.loss.temperature);
    }
    return loss::nt_xent(local, global, local_offset, config_.loss.temperature);
  }

  // Rank 0 alone picks and reads the checkpoint and prepares run.dir (which may be node-local); its
  // errors (a corrupt file, another architecture) end every rank with its message. The others then
  // receive its state, and every rank checks that it holds exactly rank 0's.
  void start_from_rank0_state() {
    root_task_.run(str("preparing ", config_.run.dir), [this] {
      resume_if_asked();
      open_outputs();
    });
    if (!options_.resume.empty()) share_rank0_state(parts_, history_, step_, samples_drawn_);
    check_ranks_agree(parts_, step_, samples_drawn_);
  }

  // Rank 0 only.
  void resume_if_asked() {
    if (options_.resume.empty()) return;
    std::string path = options_.resume;
    if (path == "auto") {
      std::vector<std::string> skipped;
      auto found = ckpt::find_resume_checkpoint(config_.run.dir, &skipped);
      for (const auto& message : skipped) std::cerr << "synthview: warning: " << message << "\n";
      if (!found) {
        std::cerr << "synthview: no checkpoint in " << config_.run.dir << "; starting fresh\n";
        return;
      }
      path = *found;
    }
    RestoredCounters counters = restore_state(path, config_, parts_, history_);
    step_ = counters.step;
    samples_drawn_ = counters.samples_drawn;
    std::cerr << "synthview: resumed from " << path << " at step " << step_ << " (" << samples_drawn_
              << " samples drawn)\n";
    for (const auto& warning : counters.warnings) std::cerr << "synthview: warning: " << warning << "\n";
  }

  // Rank 0 only.
  void open_outputs() {
    fs::create_directories(fs::path(config_.run.dir) / "checkpoints");
    std::ofstream config_file(fs::path(config_.run.dir) / "config.yaml");
    config_file << config_to_yaml(config_);
    if (!config_file) throw InputError(str("cannot write ", config_.run.dir, "/config.yaml"));
    metrics_ = MetricsWriter(metrics_path(), /*append=*/step_ > 0);
    events_ = std::make_unique<RunEvents>(config_, step_ + 1);
  }

  // Rank 0 takes a host copy of the state and writes it in the background (train/checkpoint_saver.h);
  // the step loop waits only for the copy.
  void save_checkpoint() {
    saver_.save(ckpt::checkpoint_path(config_.run.dir, step_), step_, [&] {
      return capture_state({config_, options_.command_line, parts_, history_, step_, samples_drawn_,
                            parts_.lr_schedule.at(step_ - 1)});
    });
  }

  StopRequest stop_request_;  // first member: a signal during setup is honoured after the first step
  int stop_signal_ = 0;       // a signal some rank received, agreed on every step
  Config config_;
  RunOptions options_;
  Components parts_;
  dist::RootTask root_task_;  // rank 0's checkpoint reads and writes, waited for by the others
  CheckpointSaver saver_;     // after root_task_: its destructor waits for a write in flight
  SampleSchedule schedule_;
  std::unique_ptr<BatchSource> source_;
  MetricsWriter metrics_;
  std::unique_ptr<RunEvents> events_;  // rank 0: TensorBoard
  ProgressLine progress_;
  ckpt::MetricHistory history_;
  int64_t step_ = 0;
  int64_t samples_drawn_ = 0;
  double last_loss_ = 0;
};

}  // namespace

RunSummary run_training(const Config& config, const RunOptions& options) {
  Trainer trainer(config, options);
  return trainer.run();
}

}  // namespace synthview::train
