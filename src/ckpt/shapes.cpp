#include "ckpt/shapes.h"

#include <map>

#include "core/error.h"

namespace synthview::ckpt {

namespace {

std::string shape_text(const std::vector<int64_t>& shape) {
  std::string text = "[";
  for (size_t i = 0; i < shape.size(); ++i) text += (i ? ", " : "") + std::to_string(shape[i]);
  return text + "]";
}

}  // namespace

ShapeList shapes_of(const NamedTensors& tensors) {
  ShapeList shapes;
  for (const auto& [name, tensor] : tensors) shapes.emplace_back(name, tensor.sizes().vec());
  return shapes;
}

std::vector<std::string> shape_mismatches(const ShapeList& expected, const ShapeList& found) {
  std::map<std::string, const std::vector<int64_t>*> found_by_name;
  for (const auto& [name, shape] : found) found_by_name[name] = &shape;
  std::vector<std::string> lines;
  std::map<std::string, bool> expected_names;
  for (const auto& [name, shape] : expected) {
    expected_names[name] = true;
    auto it = found_by_name.find(name);
    if (it == found_by_name.end()) {
      lines.push_back(str(name, ": expected ", shape_text(shape), ", missing"));
    } else if (*it->second != shape) {
      lines.push_back(str(name, ": expected ", shape_text(shape), ", found ", shape_text(*it->second)));
    }
  }
  for (const auto& [name, shape] : found) {
    if (!expected_names.count(name)) lines.push_back(str(name, ": unexpected, found ", shape_text(shape)));
  }
  return lines;
}

void compare_tensor_shapes(const ShapeList& expected, const ShapeList& found, const std::string& context) {
  std::vector<std::string> lines = shape_mismatches(expected, found);
  if (lines.empty()) return;
  constexpr size_t kShown = 20;
  std::string listing;
  for (size_t i = 0; i < std::min(kShown, lines.size()); ++i) listing += (i ? "; " : "") + lines[i];
  if (lines.size() > kShown) listing += str("; ... and ", lines.size() - kShown, " more");
  throw InputError(str(context, ": ", lines.size(), " tensor", lines.size() == 1 ? "" : "s",
                       " do not match the model (different architecture?): ", listing));
}

void copy_tensors_into(const NamedTensors& from_checkpoint, const NamedTensors& destination,
                       const std::string& context) {
  compare_tensor_shapes(shapes_of(destination), shapes_of(from_checkpoint), context);
  std::map<std::string, const torch::Tensor*> source;
  for (const auto& [name, tensor] : from_checkpoint) source[name] = &tensor;
  for (const auto& [name, tensor] : destination) {  // check everything before changing anything
    const torch::Tensor& value = *source.at(name);
    if (value.scalar_type() != tensor.scalar_type()) {
      throw InputError(str(context, ": tensor ", name, " is ", c10::toString(value.scalar_type()),
                           ", the model expects ", c10::toString(tensor.scalar_type())));
    }
  }
  torch::NoGradGuard no_grad;
  for (const auto& [name, tensor] : destination) {
    torch::Tensor target = tensor;  // a handle sharing storage: copy_ writes into the model
    target.copy_(*source.at(name));
  }
}

}  // namespace synthview::ckpt
