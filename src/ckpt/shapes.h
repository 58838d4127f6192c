// Architecture checks: do a checkpoint's tensors have the names and shapes a model expects?
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "ckpt/checkpoint.h"

namespace synthview::ckpt {

using ShapeList = std::vector<std::pair<std::string, std::vector<int64_t>>>;

ShapeList shapes_of(const NamedTensors& tensors);

// One line per difference, in `expected` order then unexpected names:
// "layer1.0.conv1.weight: expected [64, 64, 3, 3], found [128, 64, 3, 3]",
// "fc.weight: expected [10, 512], missing", "extra.bias: unexpected, found [3]".
std::vector<std::string> shape_mismatches(const ShapeList& expected, const ShapeList& found);

// Throws InputError "<context>: N tensors do not match the model (different architecture?): ..."
// listing every mismatch (the first 20, then a count) when `found` differs from `expected`.
void compare_tensor_shapes(const ShapeList& expected, const ShapeList& found, const std::string& context);

// Restores checkpoint tensors into live ones (e.g. a module's named_parameters(), which share
// storage with the module): checks names and shapes with compare_tensor_shapes, then copies each
// value in place without recording autograd. A dtype difference is an InputError too.
void copy_tensors_into(const NamedTensors& from_checkpoint, const NamedTensors& destination,
                       const std::string& context);

}  // namespace synthview::ckpt
