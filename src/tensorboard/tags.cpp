#include "tensorboard/tags.h"

namespace synthview::tensorboard {

Fields tagged_metrics(const std::string& group, const Fields& fields) {
  const std::string time_prefix = "time_";
  Fields tagged;
  for (const auto& [name, value] : fields) {
    if (name == "step") continue;
    if (name.rfind(time_prefix, 0) == 0) {
      tagged.emplace_back("time/" + name.substr(time_prefix.size()), value);
    } else {
      tagged.emplace_back(group + "/" + name, value);
    }
  }
  return tagged;
}

}  // namespace synthview::tensorboard
