#include "gan/gan_nets.h"

#include "core/error.h"
#include "gan/diff_augment.h"
#include "gan/hinge.h"

namespace synthview::gan {
namespace {

std::unique_ptr<torch::optim::Optimizer> adam(torch::nn::Module& module, double lr, const GanSection& gan) {
  torch::optim::AdamWOptions options(lr);
  options.betas(std::make_tuple(gan.beta1, gan.beta2)).weight_decay(0.0).eps(1e-8);
  return std::make_unique<torch::optim::AdamW>(module.parameters(), options);
}

}  // namespace

GanNets make_gan_nets(const Config& config, torch::Device device) {
  const gen::GeneratorInfo info = gen::builtin_info(config.generator);
  if (info.num_classes != 0 && info.num_classes != 10) {
    throw InputError(synthview::str("generator.num_classes=", info.num_classes,
                         " cannot be trained on Fashion-MNIST (expected 10, or 0 for unconditional)"));
  }
  const auto seed = static_cast<uint64_t>(config.seed);
  const std::string& arch = config.generator.arch;
  GanNets nets;
  nets.generator = std::make_shared<gen::BuiltinGenerator>(info, config.generator.width, seed, arch);
  if (config.gan.ema > 0) {
    nets.generator_ema = std::make_shared<gen::BuiltinGenerator>(info, config.generator.width, seed, arch);
  }
  // Seed + 1: the discriminator's init is unrelated to the generator's.
  nets.discriminator =
      make_discriminator(arch, info.channels, info.resolution, info.num_classes, config.gan.d_width, seed + 1);
  // On the device before the optimizers exist, so Adam's state is created there too.
  nets.device = device;
  nets.generator->to(device);
  if (nets.generator_ema) nets.generator_ema->to(device);
  nets.discriminator->to(device);
  nets.optim_g = adam(*nets.generator->net(), config.gan.lr_g, config.gan);
  nets.optim_d = adam(*nets.discriminator, config.gan.lr_d, config.gan);
  nets.n_dis = config.gan.n_dis;
  nets.ema = config.gan.ema;
  nets.diffaugment = config.gan.diffaugment;
  nets.rng = CounterRng(seed);
  return nets;
}

torch::Tensor discriminator_update(GanNets& nets, const torch::Tensor& real, const torch::Tensor& real_labels,
                                   const torch::Tensor& z, const torch::Tensor& fake_classes, const torch::Tensor& draws,
                                   const Average& average) {
  auto& g = nets.generator->net();
  g->train();  // fakes as the generator step sees them (BN batch statistics)
  nets.discriminator->train();
  torch::Tensor fake;
  {
    torch::NoGradGuard no_grad;
    fake = g->forward(z, fake_classes);
  }
  // One forward over real and fake together: one power iteration per update, one pass of overhead.
  torch::Tensor images = diff_augment(torch::cat({real, fake}), nets.diffaugment, nets.rng, torch::cat({draws, draws}));
  torch::Tensor scores = nets.discriminator->forward(images, torch::cat({real_labels, fake_classes}));
  const int64_t n = real.size(0);
  torch::Tensor loss = hinge_d_loss(scores.slice(0, 0, n), scores.slice(0, n));
  nets.optim_d->zero_grad();
  loss.backward();
  average(*nets.discriminator);
  nets.optim_d->step();
  return loss.detach();
}

torch::Tensor generator_update(GanNets& nets, const torch::Tensor& z, const torch::Tensor& fake_classes,
                               const torch::Tensor& draws, const Average& average) {
  auto& g = nets.generator->net();
  g->train();
  nets.discriminator->train();
  // D's weights are constants here: no weight gradients computed, none left behind.
  for (auto& p : nets.discriminator->parameters()) p.set_requires_grad(false);
  torch::Tensor fake = diff_augment(g->forward(z, fake_classes), nets.diffaugment, nets.rng, draws);
  torch::Tensor loss = hinge_g_loss(nets.discriminator->forward(fake, fake_classes));
  nets.optim_g->zero_grad();
  loss.backward();
  for (auto& p : nets.discriminator->parameters()) p.set_requires_grad(true);
  average(*g);
  nets.optim_g->step();
  return loss.detach();
}

}  // namespace synthview::gan
