#include "gan/class_accuracy.h"

#include <limits>

namespace synthview::gan {

double accuracy(const torch::Tensor& predicted, const torch::Tensor& labels) {
  return predicted.eq(labels.to(torch::kInt64)).to(torch::kFloat64).mean().item<double>();
}

std::vector<double> class_accuracy(const torch::Tensor& predicted, const torch::Tensor& labels, int64_t classes) {
  torch::Tensor correct = predicted.eq(labels.to(torch::kInt64)).to(torch::kFloat64);
  std::vector<double> out;
  for (int64_t c = 0; c < classes; ++c) {
    torch::Tensor mask = labels.eq(c);
    out.push_back(mask.any().item<bool>() ? correct.masked_select(mask).mean().item<double>()
                                          : std::numeric_limits<double>::quiet_NaN());
  }
  return out;
}

}  // namespace synthview::gan
