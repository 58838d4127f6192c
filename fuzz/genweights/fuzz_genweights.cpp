// The builtin generator's weight reader (gen/builtin_generator.h): an HDF5 file whose attributes size
// the network and whose datasets fill it. A file that loads must generate images of its stated shape.
#include "gen/builtin_generator.h"
#include "../contract.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace synthview;
  const std::string path = fuzz::write_input(data, size, "generator.h5");
  std::shared_ptr<gen::BuiltinGenerator> generator;
  if (fuzz::returns_or_input_error([&] { generator = gen::BuiltinGenerator::load(path); })) {
    const gen::GeneratorInfo& info = generator->info();
    torch::Tensor images = generator->generate(torch::zeros({2, info.latent_dim}), torch::zeros({2}, torch::kInt64));
    fuzz::require(images.sizes() == torch::IntArrayRef({2, info.channels, info.resolution, info.resolution}),
                  "a loaded generator's images differ from its stated shape");
  }
  return 0;
}
