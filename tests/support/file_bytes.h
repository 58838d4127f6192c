// Whole-file byte access for tests that corrupt or truncate files on purpose.
#pragma once

#include <fstream>
#include <iterator>
#include <string>

namespace synthview::test_support {

inline std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

inline void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), std::streamsize(bytes.size()));
}

}  // namespace synthview::test_support
