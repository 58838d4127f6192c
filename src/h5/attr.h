// Scalar attributes on groups and datasets: strings (variable-length UTF-8), int64 and float64.
// Writing to an object path that does not exist creates it as a group (with intermediate groups);
// writing an existing attribute replaces it. Reading a missing attribute, or one of another kind,
// is an InputError naming the file, object and attribute.
#pragma once

#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#include "h5/file.h"

namespace synthview::h5 {

void write_attr(File& file, const std::string& object_path, const std::string& name, const std::string& value);
void write_attr(File& file, const std::string& object_path, const std::string& name, const char* value);
void write_attr(File& file, const std::string& object_path, const std::string& name, int64_t value);
void write_attr(File& file, const std::string& object_path, const std::string& name, double value);

// Any other integer (int literals, size_t, bool) is stored as int64, not converted to double.
template <typename T, std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, int64_t>, int> = 0>
void write_attr(File& file, const std::string& object_path, const std::string& name, T value) {
  write_attr(file, object_path, name, static_cast<int64_t>(value));
}

std::string read_attr_string(File& file, const std::string& object_path, const std::string& name);
int64_t read_attr_int(File& file, const std::string& object_path, const std::string& name);
// Accepts integer attributes too (converted).
double read_attr_double(File& file, const std::string& object_path, const std::string& name);
bool has_attr(File& file, const std::string& object_path, const std::string& name);
// Names of every attribute on an object, sorted.
std::vector<std::string> list_attrs(File& file, const std::string& object_path);

}  // namespace synthview::h5
