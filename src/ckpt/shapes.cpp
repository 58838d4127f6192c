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

}  // namespace synthview::ckpt
