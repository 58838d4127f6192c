#include "gen/generator_net.h"

#include "core/error.h"
#include "gen/dcgan_net.h"
#include "gen/resnet_net.h"

namespace synthview::gen {

std::shared_ptr<GeneratorNet> make_generator_net(const std::string& arch, const GeneratorInfo& info, int64_t width) {
  if (arch == "dcgan") return std::make_shared<DcganNet>(info, width);
  if (arch == "resnet") return std::make_shared<ResNetNet>(info, width);
  throw InputError(synthview::str("generator.arch='", arch, "' (expected dcgan or resnet)"));
}

}  // namespace synthview::gen
