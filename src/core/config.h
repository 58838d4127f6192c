// The run configuration: YAML file + `--set key=value` overrides, checked against one schema.
// Every key is declared once in config.cpp (name, type, range, description); defaults live here.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace synthview {

struct RunSection {
  std::string dir = "runs/demo";  // metrics.jsonl, config.yaml, checkpoints/
  int64_t log_every = 10;         // progress line period in steps
};

// TensorBoard event files in run.dir (rank 0; src/tensorboard/, docs/tensorboard.md).
struct LogSection {
  bool tensorboard = true;     // write events.out.tfevents.* next to metrics.jsonl
  int64_t images_every = 100;  // steps between grids of anchors and views (0 = never)
};

struct TrainSection {
  int64_t steps = 200;
  int64_t batch_size = 64;  // GLOBAL anchors per step, all ranks together
  int64_t threads = 0;      // torch intra-op threads per rank; 0 = cores / local ranks
  int64_t grad_accum = 1;   // micro-batches per optimizer step (does not enlarge the negative set)
  std::string on_nonfinite = "abort";
  int64_t align_every = 50;  // alignment/uniformity metrics period in steps (0 = never)
  std::string precision = "fp32";  // fp32, bf16 autocast for the encoder forward, or fp64 (a reference)
  bool deterministic = false;      // CUDA: deterministic algorithms, no TF32 (CPU is deterministic already)
};

struct CkptSection {
  int64_t every = 100;  // steps between checkpoints (0 = only the final one)
  int64_t keep = 3;     // newest checkpoints kept in run.dir/checkpoints
  std::string on_error = "abort";
};

struct DataSection {
  std::string source = "generator";  // generator | real
  int64_t unique_samples = 0;        // N distinct anchors; 0 = unbounded stream
  std::string real_path = "/usr/share/datasets/fashion-mnist";
  int64_t real_train_images = 60000;  // data.source=real draws from train[0:N] (50000 keeps the val split out)
  int64_t prefetch = 2;  // batches generated ahead of the trainer (0 = synchronous)
};

struct GeneratorSection {
  std::string kind = "builtin";  // builtin | torchscript
  std::string arch = "dcgan";    // builtin, used when path is empty: dcgan | resnet
  std::string path = "";         // HDF5 weights (builtin) or TorchScript module; "" = random init
  int64_t latent_dim = 64;       // builtin, used when path is empty
  int64_t num_classes = 10;
  int64_t resolution = 32;
  int64_t channels = 1;
  int64_t width = 64;
  int64_t render_chunk = 32;     // rows per generator call; part of a sample's definition (views.h)
};

struct ViewsSection {
  int64_t count = 1;          // positives per anchor
  double sigma = 0.2;         // latent neighbour std
  double truncation = 2.0;    // anchor and delta truncated to [-t, t]
  double delta_truncation = 0;  // delta truncated to [-d, d] instead (0 = views.truncation)
  bool renormalize = false;   // view latent (z + sigma * delta) / sqrt(1 + sigma^2)
  std::string mode = "latent";  // latent | independent | anchor
};

struct AugmentSection {
  bool enabled = true;
  double crop_scale_min = 0.2;
  double crop_scale_max = 1.0;
  double flip_prob = 0.5;
  double jitter_prob = 0.8;
  double brightness = 0.4;
  double contrast = 0.4;
  double saturation = 0.4;
  double hue = 0.1;
  double grayscale_prob = 0.2;
  int64_t out_size = 0;  // 0 = generator resolution
};

struct ModelSection {
  std::string encoder = "resnet18";
  std::string stem = "auto";  // auto | small | imagenet
  int64_t width = 64;         // stem/first-stage channels (torchvision: 64)
  int64_t proj_hidden = 512;
  int64_t proj_dim = 128;
  std::string norm = "auto";  // auto | syncbn | bn | gn
};

struct LossSection {
  std::string name = "simclr";  // simclr | supcon
  double temperature = 0.1;
};

struct OptimSection {
  std::string name = "sgd";  // sgd | lars | adamw
  double lr = 0.3;           // base lr for a global batch of 256 (scaled by optim.lr_scaling)
  std::string lr_scaling = "linear";
  double momentum = 0.9;
  double weight_decay = 1e-4;
  int64_t warmup_steps = 10;
  double lars_eta = 0.001;
};

struct DistSection {
  std::string backend = "auto";  // auto | mpi | nccl
  double timeout_s = 300;
  double bucket_mb = 25;
  bool overlap = true;
};

// `synthview train-generator`: the builtin generator trained as a GAN on real Fashion-MNIST (src/gan/).
struct GanSection {
  int64_t steps = 3000;       // generator updates in total (also across resumes)
  int64_t batch_size = 64;    // GLOBAL real (and fake) images per discriminator update
  double lr_g = 2e-4;
  double lr_d = 2e-4;
  double beta1 = 0.5;         // Adam betas 0.5/0.999 (DCGAN's), with n_dis = 1: the cheapest per G update
  double beta2 = 0.999;
  int64_t n_dis = 1;          // discriminator updates per generator update
  int64_t d_width = 32;       // discriminator base channels
  std::string out = "models/fmnist-generator.h5";  // generator weights; state beside it (<out>.state.h5)
  int64_t every = 250;        // checkpoint period in generator steps (0 = only at the end)
  int64_t snapshot_every = 0; // also keep <out>.step-%08d.h5 every this many steps (0 = none)
  int64_t train_images = 50000;  // real images train[0:N]; train[50000:60000] is the validation split
  double ema = 0;             // decay of the EMA of G's weights used for sampling (0 = no EMA)
  std::string diffaugment = "none";  // none | translation | cutout | translation,cutout
  double max_seconds = 0;     // wall-clock bound: save and stop after this many seconds (0 = unbounded)
};

struct Config {
  int64_t seed = 0;
  std::string device = "auto";  // auto | cpu | cuda
  RunSection run;
  LogSection log;
  TrainSection train;
  CkptSection ckpt;
  DataSection data;
  GeneratorSection generator;
  ViewsSection views;
  AugmentSection augment;
  ModelSection model;
  LossSection loss;
  OptimSection optim;
  DistSection dist;
  GanSection gan;
};

// One schema entry, as printed by `synthview config --help-keys`.
struct ConfigKeyInfo {
  std::string key;
  std::string type;         // "int >= 1", "float in [0, 1]", "one of sgd|lars|adamw", ...
  std::string description;
  std::string default_value;
};

std::vector<ConfigKeyInfo> config_keys();

// Applies one value given as text (from YAML or --set); throws InputError naming key and value.
void set_config_value(Config& config, const std::string& key, const std::string& value);
std::string get_config_value(const Config& config, const std::string& key);

// Reads YAML text over the defaults, then applies "key=value" overrides in order.
Config config_from_yaml(const std::string& yaml_text, const std::vector<std::string>& overrides = {},
                        const std::string& source_name = "<yaml>");
// Same, from a file; a missing file is an InputError naming the path.
Config load_config(const std::string& path, const std::vector<std::string>& overrides = {});

// Resolved config as nested YAML; config_from_yaml(config_to_yaml(c)) == c.
std::string config_to_yaml(const Config& config);
// Aligned "key  value" table for the start-of-run printout.
std::string config_to_table(const Config& config);

// Nearest valid key by edit distance ("" if nothing is close).
std::string nearest_config_key(const std::string& key);

}  // namespace synthview
