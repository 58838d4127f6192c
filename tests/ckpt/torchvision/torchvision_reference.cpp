// ckpt_torchvision_reference OUT_DIR ARCH STEM IN_CHANNELS IMAGE_SIZE
// Builds a random model::ResNet (with non-trivial BN statistics), runs it in eval mode on a fixed
// input, saves it as a checkpoint, reads that back and exports it (OUT_DIR/encoder.h5), and stores
// the input and the C++ output in OUT_DIR/reference.h5 (/input, /output) for
// tools/ckpt_to_torchvision.py to compare against torchvision.
#include <iostream>

#include "ckpt/checkpoint.h"
#include "ckpt/export.h"
#include "h5/h5.h"
#include "model/resnet.h"

int main(int argc, char** argv) {
  using namespace synthview;
  if (argc != 6) {
    std::cerr << "usage: ckpt_torchvision_reference OUT_DIR ARCH small|imagenet IN_CHANNELS IMAGE_SIZE\n";
    return 2;
  }
  const std::string dir = argv[1], arch = argv[2], stem = argv[3];
  const int64_t in_channels = std::stoll(argv[4]), size = std::stoll(argv[5]);
  torch::manual_seed(1234);
  model::ResNet encoder(model::resnet_spec(arch), in_channels,
                        stem == "small" ? model::Stem::kSmall : model::Stem::kImageNet, model::batch_norm_factory());
  torch::NoGradGuard no_grad;
  for (auto& item : encoder->named_buffers()) {  // make eval-mode BN do real work
    const std::string& name = item.key();
    if (name.find("running_mean") != std::string::npos) item.value().normal_(0, 0.1);
    if (name.find("running_var") != std::string::npos) item.value().uniform_(0.5, 1.5);
  }
  for (auto& item : encoder->named_parameters()) {
    if (item.key().find("bn") != std::string::npos) item.value().uniform_(0.5, 1.5);
  }
  encoder->eval();
  torch::Tensor input = torch::randn({2, in_channels, size, size});
  torch::Tensor output = encoder->forward(input);

  ckpt::Checkpoint c;
  for (auto& item : encoder->named_parameters()) c.model.encoder.emplace_back(item.key(), item.value());
  for (auto& item : encoder->named_buffers()) c.model.encoder_buffers.emplace_back(item.key(), item.value());
  c.optim.name = "sgd";
  ckpt::write_checkpoint(dir + "/ckpt.h5", c);
  ckpt::export_torchvision(ckpt::read_checkpoint(dir + "/ckpt.h5"), dir + "/ckpt.h5", dir + "/encoder.h5");

  h5::File reference = h5::File::create(dir + "/reference.h5");
  h5::write_tensor(reference, "/input", input);
  h5::write_tensor(reference, "/output", output);
  reference.close();
  return 0;
}
