// Views rendered on a GPU equal the CPU's within float tolerance (the counter RNG is integer
// arithmetic plus float64 erfinv, so the latents agree to 1e-12; the generator's convolutions differ
// by summation order only, with TF32 off). Needs a GPU: without one each test reports a skip with the
// reason, and ctest shows `gen_cuda` as skipped (tests/gen/CMakeLists.txt).
#include <gtest/gtest.h>

#include "gen/builtin_generator.h"
#include "gen/views.h"

using namespace synthview;

namespace {

bool has_gpu() { return torch::cuda::is_available() && torch::cuda::device_count() > 0; }

}  // namespace

TEST(CudaViews, GpuImagesMatchCpuImages) {
  if (!has_gpu()) GTEST_SKIP() << "no CUDA device visible (torch::cuda::is_available() is false)";
  Config config;
  config.seed = 3;
  config.views.count = 2;
  config.augment.out_size = 32;
  auto cpu_generator = std::make_shared<gen::BuiltinGenerator>(gen::builtin_info(config.generator), 32, 3);
  auto gpu_generator = std::make_shared<gen::BuiltinGenerator>(gen::builtin_info(config.generator), 32, 3);
  gpu_generator->to(torch::kCUDA);
  gen::ViewMaker cpu(config, cpu_generator), gpu(config, gpu_generator);
  const bool tf32 = at::globalContext().allowTF32CuDNN();
  at::globalContext().setAllowTF32CuDNN(false);
  torch::Tensor index = torch::arange(100, 164, torch::kInt64);
  gen::ViewBatch on_cpu = cpu.make(index, index);
  gen::ViewBatch on_gpu = gpu.make(index, index);
  at::globalContext().setAllowTF32CuDNN(tf32);
  EXPECT_TRUE(on_gpu.anchors.is_cuda());
  const double latent_error = (gpu.anchor_latents(index).cpu() - cpu.anchor_latents(index)).abs().max().item<double>();
  const double anchor_error = (on_gpu.anchors.cpu() - on_cpu.anchors).abs().max().item<double>();
  const double view_error = (on_gpu.views.cpu() - on_cpu.views).abs().max().item<double>();
  EXPECT_LT(latent_error, 1e-6);
  EXPECT_LT(anchor_error, 1e-4);  // images in [-1, 1]
  EXPECT_LT(view_error, 1e-4);
  EXPECT_TRUE(torch::equal(on_gpu.class_ids.cpu(), on_cpu.class_ids));
}
