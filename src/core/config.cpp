#include "core/config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iomanip>
#include <limits>
#include <sstream>

#include "core/error.h"

namespace synthview {
namespace {

constexpr int64_t kIntMax = std::numeric_limits<int64_t>::max();
constexpr double kInf = std::numeric_limits<double>::infinity();
// Stated limits on config input (docs/reliability.md): a real config is a few KB and its longest value a
// path, so anything past these is a mistake or an attack, rejected before it is parsed or stored.
constexpr size_t kMaxConfigBytes = size_t(1) << 20;
constexpr size_t kMaxValueChars = 4096;
constexpr size_t kMaxShownChars = 80;

// Keys and values as they appear in messages: a long one is cut, so an error stays one readable line.
std::string shown(const std::string& text) {
  if (text.size() <= kMaxShownChars) return text;
  return str(text.substr(0, kMaxShownChars), "... (", text.size(), " characters)");
}

struct KeyEntry {
  ConfigKeyInfo info;
  std::function<void(Config&, const std::string&)> set;  // parses, validates, stores
  std::function<std::string(const Config&)> get;         // canonical text
};

std::string bad_value(const std::string& key, const std::string& value, const std::string& expected) {
  return str("config key '", key, "': value '", shown(value), "' is not valid (expected ", expected, ")");
}

std::string format_double(double value) {
  std::ostringstream out;
  out << std::setprecision(17) << value;
  std::string text = out.str();
  // Keep it readable: shortest text that round-trips.
  for (int precision = 1; precision < 17; ++precision) {
    std::ostringstream shorter;
    shorter << std::setprecision(precision) << value;
    if (std::strtod(shorter.str().c_str(), nullptr) == value) return shorter.str();
  }
  return text;
}

std::string int_range_text(int64_t lo, int64_t hi) {
  if (hi == kIntMax) return str("int >= ", lo);
  return str("int in [", lo, ", ", hi, "]");
}

std::string float_range_text(double lo, double hi, bool lo_open) {
  std::string lower = str(lo_open ? "> " : ">= ", format_double(lo));
  if (hi == kInf) return str("float ", lower);
  return str("float in ", lo_open ? "(" : "[", format_double(lo), ", ", format_double(hi), "]");
}

// Accessors name a field once: section member pointer + field member pointer, or a top-level field.
template <typename T>
using Accessor = std::function<T&(Config&)>;

template <typename S, typename T>
Accessor<T> field(S Config::*section, T S::*member) {
  return [section, member](Config& c) -> T& { return (c.*section).*member; };
}
template <typename T>
Accessor<T> field(T Config::*member) {
  return [member](Config& c) -> T& { return c.*member; };
}

KeyEntry int_key(std::string key, Accessor<int64_t> at, int64_t lo, int64_t hi, std::string description) {
  std::string type = int_range_text(lo, hi);
  KeyEntry entry;
  entry.info = {key, type, std::move(description), std::to_string(at(*std::make_unique<Config>()))};
  entry.set = [=](Config& c, const std::string& text) {
    errno = 0;
    char* end = nullptr;
    long long parsed = std::strtoll(text.c_str(), &end, 10);
    if (text.empty() || *end != '\0' || errno == ERANGE) throw InputError(bad_value(key, text, type));
    if (parsed < lo || parsed > hi) throw InputError(bad_value(key, text, type));
    at(c) = parsed;
  };
  entry.get = [=](const Config& c) { return std::to_string(at(const_cast<Config&>(c))); };
  return entry;
}

KeyEntry float_key(std::string key, Accessor<double> at, double lo, double hi, bool lo_open,
                   std::string description) {
  std::string type = float_range_text(lo, hi, lo_open);
  KeyEntry entry;
  entry.info = {key, type, std::move(description), format_double(at(*std::make_unique<Config>()))};
  entry.set = [=](Config& c, const std::string& text) {
    errno = 0;
    char* end = nullptr;
    double parsed = std::strtod(text.c_str(), &end);
    if (text.empty() || *end != '\0' || errno == ERANGE || !std::isfinite(parsed)) {
      throw InputError(bad_value(key, text, type));
    }
    if (parsed < lo || parsed > hi || (lo_open && parsed == lo)) throw InputError(bad_value(key, text, type));
    at(c) = parsed;
  };
  entry.get = [=](const Config& c) { return format_double(at(const_cast<Config&>(c))); };
  return entry;
}

KeyEntry bool_key(std::string key, Accessor<bool> at, std::string description) {
  KeyEntry entry;
  entry.info = {key, "bool", std::move(description), at(*std::make_unique<Config>()) ? "true" : "false"};
  entry.set = [=](Config& c, const std::string& text) {
    std::string lower = text;
    std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
    if (lower == "true" || lower == "yes" || lower == "on" || lower == "1") {
      at(c) = true;
    } else if (lower == "false" || lower == "no" || lower == "off" || lower == "0") {
      at(c) = false;
    } else {
      throw InputError(bad_value(key, text, "bool: true or false"));
    }
  };
  entry.get = [=](const Config& c) { return at(const_cast<Config&>(c)) ? "true" : "false"; };
  return entry;
}

KeyEntry choice_key(std::string key, Accessor<std::string> at, std::vector<std::string> choices,
                    std::string description) {
  std::string joined;
  for (const auto& choice : choices) joined += (joined.empty() ? "" : "|") + choice;
  std::string type = "one of " + joined;
  KeyEntry entry;
  entry.info = {key, type, std::move(description), at(*std::make_unique<Config>())};
  entry.set = [=](Config& c, const std::string& text) {
    if (std::find(choices.begin(), choices.end(), text) == choices.end()) {
      throw InputError(bad_value(key, text, type));
    }
    at(c) = text;
  };
  entry.get = [=](const Config& c) { return at(const_cast<Config&>(c)); };
  return entry;
}

KeyEntry text_key(std::string key, Accessor<std::string> at, std::string description) {
  KeyEntry entry;
  entry.info = {key, "string", std::move(description), at(*std::make_unique<Config>())};
  entry.set = [=](Config& c, const std::string& text) { at(c) = text; };
  entry.get = [=](const Config& c) { return at(const_cast<Config&>(c)); };
  return entry;
}

// The schema: every config key, once.
const std::vector<KeyEntry>& schema() {
  using C = Config;
  static const std::vector<KeyEntry> entries = {
      int_key("seed", field(&C::seed), 0, kIntMax, "run seed; with a sample index it fixes every sample"),
      choice_key("device", field(&C::device), {"auto", "cpu", "cuda"}, "compute device (auto: cuda if available)"),
      text_key("run.dir", field(&C::run, &RunSection::dir), "output folder: metrics.jsonl, config.yaml, checkpoints/"),
      int_key("run.log_every", field(&C::run, &RunSection::log_every), 1, kIntMax, "progress line period in steps"),
      bool_key("log.tensorboard", field(&C::log, &LogSection::tensorboard),
               "write TensorBoard event files (scalars, view grids, config) into run.dir (rank 0)"),
      int_key("log.images_every", field(&C::log, &LogSection::images_every), 0, kIntMax,
              "steps between TensorBoard grids of anchors and their views (0 = never)"),
      int_key("train.steps", field(&C::train, &TrainSection::steps), 1, kIntMax,
              "optimizer steps in total (also across resumes)"),
      int_key("train.batch_size", field(&C::train, &TrainSection::batch_size), 1, kIntMax,
              "GLOBAL batch: anchors per step over all ranks; must divide by the world size"),
      int_key("train.threads", field(&C::train, &TrainSection::threads), 0, 4096,
              "torch threads per rank (0 = cores / local ranks)"),
      int_key("train.grad_accum", field(&C::train, &TrainSection::grad_accum), 1, 4096,
              "micro-batches per optimizer step; does not enlarge the negative set"),
      choice_key("train.on_nonfinite", field(&C::train, &TrainSection::on_nonfinite), {"abort", "skip"},
                 "what a NaN/Inf loss does: end the run, or skip the step"),
      int_key("train.align_every", field(&C::train, &TrainSection::align_every), 0, kIntMax,
              "alignment/uniformity metrics period in steps (0 = never)"),
      choice_key("train.precision", field(&C::train, &TrainSection::precision), {"fp32", "bf16", "fp64"},
                 "bf16: autocast the encoder forward to bfloat16 (meant for CUDA); loss and weights stay fp32; "
                 "fp64: the whole step in float64, a reference for checking float32 numerics"),
      bool_key("train.deterministic", field(&C::train, &TrainSection::deterministic),
               "CUDA: deterministic cuDNN/cuBLAS algorithms and no TF32, for bit-exact resume (slower); "
               "CPU runs are deterministic for a fixed train.threads anyway"),
      int_key("ckpt.every", field(&C::ckpt, &CkptSection::every), 0, kIntMax,
              "steps between checkpoints (0 = only the final one)"),
      int_key("ckpt.keep", field(&C::ckpt, &CkptSection::keep), 1, kIntMax, "newest checkpoints kept"),
      choice_key("ckpt.on_error", field(&C::ckpt, &CkptSection::on_error), {"abort", "continue"},
                 "a failed checkpoint write ends the run, or is reported and training continues"),
      choice_key("data.source", field(&C::data, &DataSection::source), {"generator", "real"},
                 "generated samples, or real images with pixel augmentations (the baseline)"),
      int_key("data.unique_samples", field(&C::data, &DataSection::unique_samples), 0, kIntMax,
              "N distinct anchors (index mod N); 0 = unbounded stream"),
      text_key("data.real_path", field(&C::data, &DataSection::real_path),
               "folder with the Fashion-MNIST IDX files (for data.source=real and eval)"),
      int_key("data.real_train_images", field(&C::data, &DataSection::real_train_images), 1, 60000,
              "data.source=real trains on train[0:N]; 50000 leaves out the validation split train[50000:60000]"),
      int_key("data.prefetch", field(&C::data, &DataSection::prefetch), 0, 64,
              "batches generated ahead of training (0 = synchronous)"),
      choice_key("generator.kind", field(&C::generator, &GeneratorSection::kind), {"builtin", "torchscript"},
                 "builtin conditional generator, or a TorchScript module"),
      choice_key("generator.arch", field(&C::generator, &GeneratorSection::arch), {"dcgan", "resnet"},
                 "builtin generator architecture (when generator.path is empty; a weights file names its own): "
                 "dcgan (transposed convolutions, the shipped file) or resnet (SNGAN residual blocks with "
                 "class-conditional batch norm; train-generator then uses the ResNet projection discriminator)"),
      text_key("generator.path", field(&C::generator, &GeneratorSection::path),
               "HDF5 weights (builtin; data, no code runs on load) or TorchScript file (a program: load only "
               "modules you trust); empty = random-init builtin"),
      int_key("generator.latent_dim", field(&C::generator, &GeneratorSection::latent_dim), 1, 4096,
              "latent size: of a random-init builtin generator (weights files name their own), and of a "
              "TorchScript generator without a latent_dim attribute"),
      int_key("generator.num_classes", field(&C::generator, &GeneratorSection::num_classes), 0, 100000,
              "generator classes (0 = unconditional): of a random-init builtin generator, and of a "
              "conditional TorchScript generator without a num_classes attribute"),
      int_key("generator.resolution", field(&C::generator, &GeneratorSection::resolution), 8, 1024,
              "builtin generator output side in pixels (when generator.path is empty)"),
      int_key("generator.channels", field(&C::generator, &GeneratorSection::channels), 1, 4,
              "builtin generator output channels (when generator.path is empty)"),
      int_key("generator.width", field(&C::generator, &GeneratorSection::width), 8, 4096,
              "builtin generator base feature width (when generator.path is empty)"),
      int_key("generator.render_chunk", field(&C::generator, &GeneratorSection::render_chunk), 1, 4096,
              "images per generator call; sample k sits at row (anchor index mod this) of a call of exactly "
              "this many rows, so its pixels never depend on the batch (changing it changes the bits)"),
      int_key("views.count", field(&C::views, &ViewsSection::count), 1, 64, "positive views per anchor"),
      float_key("views.sigma", field(&C::views, &ViewsSection::sigma), 0, kInf, false,
                "latent neighbour std: positive = G(z + sigma * delta)"),
      float_key("views.truncation", field(&C::views, &ViewsSection::truncation), 0, kInf, true,
                "anchor latents and deltas are normals truncated to [-t, t]"),
      float_key("views.delta_truncation", field(&C::views, &ViewsSection::delta_truncation), 0, kInf, false,
                "deltas are truncated to [-d, d] instead (0 = views.truncation), so a sweep of "
                "views.truncation can keep the view noise fixed"),
      bool_key("views.renormalize", field(&C::views, &ViewsSection::renormalize),
               "view latent (z + sigma * delta) / sqrt(1 + sigma^2): for unit-variance z and delta the view keeps "
               "the prior's variance at any sigma (views.mode=latent)"),
      choice_key("views.mode", field(&C::views, &ViewsSection::mode), {"latent", "independent", "anchor"},
                 "latent neighbours, independent same-class latents, or the anchor itself (pixel views only)"),
      bool_key("augment.enabled", field(&C::augment, &AugmentSection::enabled), "pixel augmentations on/off"),
      float_key("augment.crop_scale_min", field(&C::augment, &AugmentSection::crop_scale_min), 0, 1, true,
                "random resized crop: smallest area fraction"),
      float_key("augment.crop_scale_max", field(&C::augment, &AugmentSection::crop_scale_max), 0, 1, true,
                "random resized crop: largest area fraction"),
      float_key("augment.flip_prob", field(&C::augment, &AugmentSection::flip_prob), 0, 1, false,
                "horizontal flip probability"),
      float_key("augment.jitter_prob", field(&C::augment, &AugmentSection::jitter_prob), 0, 1, false,
                "colour jitter probability"),
      float_key("augment.brightness", field(&C::augment, &AugmentSection::brightness), 0, kInf, false,
                "colour jitter brightness strength"),
      float_key("augment.contrast", field(&C::augment, &AugmentSection::contrast), 0, kInf, false,
                "colour jitter contrast strength"),
      float_key("augment.saturation", field(&C::augment, &AugmentSection::saturation), 0, kInf, false,
                "colour jitter saturation strength"),
      float_key("augment.hue", field(&C::augment, &AugmentSection::hue), 0, 0.5, false,
                "colour jitter hue strength"),
      float_key("augment.grayscale_prob", field(&C::augment, &AugmentSection::grayscale_prob), 0, 1, false,
                "random grayscale probability"),
      int_key("augment.out_size", field(&C::augment, &AugmentSection::out_size), 0, 4096,
              "encoder input side in pixels (0 = generator resolution)"),
      choice_key("model.encoder", field(&C::model, &ModelSection::encoder), {"resnet18", "resnet50"},
                 "encoder architecture"),
      choice_key("model.stem", field(&C::model, &ModelSection::stem), {"auto", "small", "imagenet"},
                 "3x3 stem without max-pool (small images) or 7x7 + max-pool (auto: small below 96 px)"),
      int_key("model.width", field(&C::model, &ModelSection::width), 1, 4096,
              "encoder base width: stem and first-stage channels, doubled per stage (torchvision: 64)"),
      int_key("model.proj_hidden", field(&C::model, &ModelSection::proj_hidden), 1, 65536,
              "projection head hidden width"),
      int_key("model.proj_dim", field(&C::model, &ModelSection::proj_dim), 1, 65536,
              "projection (embedding) size"),
      choice_key("model.norm", field(&C::model, &ModelSection::norm), {"auto", "syncbn", "bn", "gn"},
                 "encoder norm layer (auto: syncbn when world > 1, else bn)"),
      choice_key("loss.name", field(&C::loss, &LossSection::name), {"simclr", "supcon"},
                 "NT-Xent over all views, or SupCon with generator classes as labels"),
      float_key("loss.temperature", field(&C::loss, &LossSection::temperature), 0, kInf, true,
                "softmax temperature"),
      choice_key("optim.name", field(&C::optim, &OptimSection::name), {"sgd", "lars", "adamw"}, "optimizer"),
      float_key("optim.lr", field(&C::optim, &OptimSection::lr), 0, kInf, false,
                "base learning rate for a global batch of 256 (see optim.lr_scaling)"),
      choice_key("optim.lr_scaling", field(&C::optim, &OptimSection::lr_scaling), {"linear", "sqrt", "none"},
                 "lr = base * batch/256 (linear), base * sqrt(batch/256) (sqrt), or base (none)"),
      float_key("optim.momentum", field(&C::optim, &OptimSection::momentum), 0, 1, false,
                "momentum (sgd, lars) or beta1 (adamw)"),
      float_key("optim.weight_decay", field(&C::optim, &OptimSection::weight_decay), 0, kInf, false,
                "weight decay (not applied to biases and norm parameters under lars)"),
      int_key("optim.warmup_steps", field(&C::optim, &OptimSection::warmup_steps), 0, kIntMax,
              "linear warmup steps before cosine decay"),
      float_key("optim.lars_eta", field(&C::optim, &OptimSection::lars_eta), 0, kInf, true,
                "LARS trust coefficient"),
      choice_key("dist.backend", field(&C::dist, &DistSection::backend), {"auto", "mpi", "nccl"},
                 "collectives backend (auto: nccl for cuda, mpi for cpu)"),
      float_key("dist.timeout_s", field(&C::dist, &DistSection::timeout_s), 0, kInf, true,
                "watchdog: a collective not done in this time ends the job (exit 3)"),
      float_key("dist.bucket_mb", field(&C::dist, &DistSection::bucket_mb), 0, kInf, true,
                "gradient all-reduce bucket size in MB"),
      bool_key("dist.overlap", field(&C::dist, &DistSection::overlap),
               "all-reduce gradient buckets while backward runs"),
      int_key("gan.steps", field(&C::gan, &GanSection::steps), 1, kIntMax,
              "train-generator: generator updates in total (also across resumes)"),
      int_key("gan.batch_size", field(&C::gan, &GanSection::batch_size), 1, kIntMax,
              "train-generator: GLOBAL real images per discriminator update; must divide by the world size"),
      float_key("gan.lr_g", field(&C::gan, &GanSection::lr_g), 0, kInf, true, "train-generator: generator Adam lr"),
      float_key("gan.lr_d", field(&C::gan, &GanSection::lr_d), 0, kInf, true,
                "train-generator: discriminator Adam lr"),
      float_key("gan.beta1", field(&C::gan, &GanSection::beta1), 0, 1, false, "train-generator: Adam beta1"),
      float_key("gan.beta2", field(&C::gan, &GanSection::beta2), 0, 1, false, "train-generator: Adam beta2"),
      int_key("gan.n_dis", field(&C::gan, &GanSection::n_dis), 1, 100,
              "train-generator: discriminator updates per generator update"),
      int_key("gan.d_width", field(&C::gan, &GanSection::d_width), 1, 4096,
              "train-generator: discriminator base channels (doubled per downsampling)"),
      text_key("gan.out", field(&C::gan, &GanSection::out),
               "train-generator: generator weights file; resume state goes to <out>.state.h5"),
      int_key("gan.every", field(&C::gan, &GanSection::every), 0, kIntMax,
              "train-generator: checkpoint period in generator steps (0 = only at the end)"),
      int_key("gan.snapshot_every", field(&C::gan, &GanSection::snapshot_every), 0, kIntMax,
              "train-generator: also keep a copy <gan.out>.step-%08d.h5 at every multiple of this many steps "
              "(a checkpoint is written there too; 0 = none), for choosing a checkpoint on the validation split"),
      int_key("gan.train_images", field(&C::gan, &GanSection::train_images), 1, 60000,
              "train-generator: real images it trains on, train[0:N]; train[50000:60000] is the validation "
              "split of --score-only --split val, so keep N <= 50000 when choosing checkpoints"),
      float_key("gan.ema", field(&C::gan, &GanSection::ema), 0, 0.99999, false,
                "train-generator: decay of the exponential moving average of G's weights (warm-up "
                "min(ema, (1+t)/(10+t))); the average, with recalibrated BN statistics, is what gan.out holds "
                "(0 = no average: gan.out holds G itself)"),
      choice_key("gan.diffaugment", field(&C::gan, &GanSection::diffaugment),
                 {"none", "translation", "cutout", "translation,cutout"},
                 "train-generator: differentiable augmentation of every image D sees, real and fake alike "
                 "(Zhao et al. 2020): translation by up to 1/8 of the side, cutout of a square half the side"),
      float_key("gan.max_seconds", field(&C::gan, &GanSection::max_seconds), 0, kInf, false,
                "train-generator: wall-clock bound in seconds from the start of the run: after the first step that "
                "ends past it, save the state and gan.out at that step and exit 0 (continue with --resume auto; "
                "0 = unbounded)"),
  };
  return entries;
}

const KeyEntry* find_entry(const std::string& key) {
  for (const auto& entry : schema()) {
    if (entry.info.key == key) return &entry;
  }
  return nullptr;
}

size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::string unknown_key_message(const std::string& key, const std::string& where) {
  std::string message = str("unknown config key '", shown(key), "'", where);
  // Edit distance is quadratic: a key far longer than any valid one gets no suggestion.
  std::string suggestion = key.size() <= kMaxShownChars ? nearest_config_key(key) : std::string();
  if (!suggestion.empty()) message += str(" (did you mean ", suggestion, "?)");
  message += "; `synthview config --help-keys` lists every key";
  return message;
}

bool is_section(const std::string& prefix) {
  const auto& entries = schema();
  return std::any_of(entries.begin(), entries.end(),
                     [&](const KeyEntry& e) { return e.info.key.rfind(prefix + ".", 0) == 0; });
}

// Every value passes here: a value longer than any path is refused before a setter copies it.
void set_checked(const KeyEntry& entry, Config& config, const std::string& value) {
  if (value.size() > kMaxValueChars) {
    throw InputError(str("config key '", entry.info.key, "': value of ", value.size(),
                         " characters is too long (the limit is ", kMaxValueChars, ")"));
  }
  entry.set(config, value);
}

// Flattens a YAML mapping into dotted keys, rejecting sequences and nested maps under leaf keys.
void apply_yaml_node(Config& config, const YAML::Node& node, const std::string& prefix,
                     const std::string& source_name) {
  if (!node.IsMap()) {
    throw InputError(str(source_name, ": expected a mapping of config keys at '",
                         prefix.empty() ? "<top>" : prefix, "'"));
  }
  for (const auto& item : node) {
    if (!item.first.IsScalar()) {
      throw InputError(str(source_name, ": a config key under '", prefix.empty() ? "<top>" : prefix,
                           "' is not a plain name (expected key: value)"));
    }
    std::string name = item.first.Scalar();
    std::string key = prefix.empty() ? name : prefix + "." + name;
    const YAML::Node& value = item.second;
    if (value.IsMap()) {
      // Only a section holds a mapping. Checked before descending, so an alias cycle (`a: &x {b: *x}`)
      // or a deep nest ends here instead of recursing without end.
      if (!is_section(key)) {
        const KeyEntry* leaf = find_entry(key);
        if (!leaf) throw InputError(unknown_key_message(key, str(" in ", source_name)));
        throw InputError(str("config key '", key, "' in ", source_name, ": got a mapping (expected ", leaf->info.type, ")"));
      }
      apply_yaml_node(config, value, key, source_name);
      continue;
    }
    const KeyEntry* entry = find_entry(key);
    if (!entry) throw InputError(unknown_key_message(key, str(" in ", source_name)));
    if (value.IsSequence()) {
      throw InputError(str("config key '", key, "' in ", source_name, ": got a list (expected ", entry->info.type,
                           ")"));
    }
    set_checked(*entry, config, value.IsNull() ? std::string() : value.Scalar());
  }
}

}  // namespace

std::vector<ConfigKeyInfo> config_keys() {
  std::vector<ConfigKeyInfo> keys;
  for (const auto& entry : schema()) keys.push_back(entry.info);
  return keys;
}

std::string nearest_config_key(const std::string& key) {
  std::string best;
  size_t best_distance = std::numeric_limits<size_t>::max();
  for (const auto& entry : schema()) {
    const std::string& candidate = entry.info.key;
    size_t distance = edit_distance(key, candidate);
    // A right leaf under a wrong section ("batch_size" for "train.batch_size") is also close.
    auto dot = candidate.rfind('.');
    if (dot != std::string::npos && candidate.substr(dot + 1) == key.substr(key.rfind('.') + 1)) {
      distance = std::min<size_t>(distance, 1);
    }
    if (distance < best_distance) {
      best_distance = distance;
      best = candidate;
    }
  }
  return best_distance <= std::max<size_t>(3, key.size() / 3) ? best : std::string();
}

void set_config_value(Config& config, const std::string& key, const std::string& value) {
  const KeyEntry* entry = find_entry(key);
  if (!entry) throw InputError(unknown_key_message(key, ""));
  set_checked(*entry, config, value);
}

std::string get_config_value(const Config& config, const std::string& key) {
  const KeyEntry* entry = find_entry(key);
  if (!entry) throw InputError(unknown_key_message(key, ""));
  return entry->get(config);
}

Config config_from_yaml(const std::string& yaml_text, const std::vector<std::string>& overrides,
                        const std::string& source_name) {
  Config config;
  if (yaml_text.size() > kMaxConfigBytes) {
    throw InputError(str(source_name, ": config of ", yaml_text.size(), " bytes is too large (the limit is ",
                         kMaxConfigBytes, " bytes; a config is a few KB)"));
  }
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::Exception& e) {
    throw InputError(str(source_name, ": not valid YAML: ", e.what()));
  }
  if (root.IsDefined() && !root.IsNull()) apply_yaml_node(config, root, "", source_name);
  for (const auto& assignment : overrides) {
    auto equals = assignment.find('=');
    if (equals == std::string::npos || equals == 0) {
      throw InputError(str("--set '", shown(assignment), "': expected key=value, e.g. --set train.steps=100"));
    }
    set_config_value(config, assignment.substr(0, equals), assignment.substr(equals + 1));
  }
  if (config.augment.crop_scale_min > config.augment.crop_scale_max) {
    throw InputError(str("config: augment.crop_scale_min (", format_double(config.augment.crop_scale_min),
                         ") is larger than augment.crop_scale_max (",
                         format_double(config.augment.crop_scale_max), ")"));
  }
  return config;
}

Config load_config(const std::string& path, const std::vector<std::string>& overrides) {
  std::ifstream file(path);
  if (!file) throw InputError(str("config file '", path, "' cannot be read (does it exist?)"));
  // Checked before reading: a huge file (or /dev/zero) must not be loaded into memory first.
  std::error_code size_error;
  const auto bytes = std::filesystem::file_size(path, size_error);
  if (size_error || bytes > kMaxConfigBytes) {
    throw InputError(str("config file '", path, "' is ", size_error ? "not a regular file" : str(bytes, " bytes"),
                         " (expected a YAML file of at most ", kMaxConfigBytes, " bytes)"));
  }
  std::stringstream text;
  text << file.rdbuf();
  // generator.path written in the file is relative to the file's folder, so a config works from any
  // directory (configs/demo.yaml names ../models/...); a --set value stays relative to the current one.
  // Made absolute, so the resolved config saved in a run folder still names the same file.
  const Config from_file = config_from_yaml(text.str(), {}, path);
  std::vector<std::string> all;
  const std::filesystem::path weights(from_file.generator.path);
  if (!weights.empty() && weights.is_relative()) {
    const auto resolved = std::filesystem::absolute(std::filesystem::path(path).parent_path() / weights).lexically_normal();
    all.push_back("generator.path=" + resolved.string());
  }
  all.insert(all.end(), overrides.begin(), overrides.end());
  return config_from_yaml(text.str(), all, path);
}

std::string config_to_yaml(const Config& config) {
  // Group dotted keys into sections in schema order; values are emitted as strings YAML reads back.
  YAML::Emitter out;
  out << YAML::BeginMap;
  std::string open_section;
  for (const auto& entry : schema()) {
    const std::string& key = entry.info.key;
    auto dot = key.find('.');
    std::string section = dot == std::string::npos ? "" : key.substr(0, dot);
    if (section != open_section) {
      if (!open_section.empty()) out << YAML::EndMap;
      if (!section.empty()) out << YAML::Key << section << YAML::Value << YAML::BeginMap;
      open_section = section;
    }
    out << YAML::Key << (dot == std::string::npos ? key : key.substr(dot + 1));
    std::string value = entry.get(config);
    if (entry.info.type == "string") {
      out << YAML::Value << YAML::DoubleQuoted << value;
    } else {
      out << YAML::Value << value;
    }
  }
  if (!open_section.empty()) out << YAML::EndMap;
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

std::string config_to_table(const Config& config) {
  size_t width = 0;
  for (const auto& entry : schema()) width = std::max(width, entry.info.key.size());
  std::ostringstream out;
  for (const auto& entry : schema()) {
    out << "  " << std::left << std::setw(static_cast<int>(width)) << entry.info.key << "  "
        << entry.get(config) << "\n";
  }
  return out.str();
}

}  // namespace synthview
