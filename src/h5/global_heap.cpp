#include "h5/global_heap.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>

#include "core/error.h"

namespace synthview::h5 {

namespace {

constexpr unsigned char kSuperblockSignature[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
constexpr size_t kAlignment = 8;  // H5HG_ALIGNMENT

uint64_t little_endian(const unsigned char* p, size_t width) {
  uint64_t value = 0;
  for (size_t i = width; i-- > 0;) value = (value << 8) | p[i];
  return value;
}

// "Size of Lengths" from the superblock (searched at 0, 512, 1024, ... as HDF5 does); 8 if none found,
// which is what every HDF5 writer uses by default.
size_t size_of_lengths(const unsigned char* bytes, size_t size) {
  for (size_t at = 0; at + 16 <= size; at = at == 0 ? 512 : at * 2) {
    if (std::memcmp(bytes + at, kSuperblockSignature, 8) != 0) continue;
    const unsigned version = bytes[at + 8];
    const size_t width = version <= 1 ? bytes[at + 14] : bytes[at + 10];
    return width == 2 || width == 4 || width == 8 ? width : 8;
  }
  return 8;
}

void walk_collection(const unsigned char* bytes, size_t size, size_t start, size_t lengths, const std::string& path) {
  const size_t header = 8 + lengths;         // "GCOL", version, 3 reserved, collection size
  const size_t object_header = 8 + lengths;  // index, reference count, 4 reserved, object size
  if (start + header > size) return;         // libhdf5 cannot even load it: it fails, it does not loop
  const uint64_t claimed = little_endian(bytes + start + 8, lengths);
  const size_t end = start + static_cast<size_t>(std::min<uint64_t>(claimed, size - start));
  size_t at = start + header;
  while (at < end) {
    if (at + object_header > end) return;  // a tail too small for an object: free space
    const unsigned index = static_cast<unsigned>(little_endian(bytes + at, 2));
    const uint64_t object_size = little_endian(bytes + at + 8, lengths);
    const uint64_t left = end - at;
    // libhdf5 steps by the free-space object's own size, by header + aligned size for the others.
    uint64_t step = object_size;
    if (index > 0) {
      step = object_size > left ? left + 1 : object_header + (object_size + kAlignment - 1) / kAlignment * kAlignment;
    }
    if (step == 0 || step > left) {
      throw InputError(str("'", path, "' has a corrupt HDF5 global heap (the storage of its variable-length strings): ",
                           "the collection at byte ", start, " holds object ", index, " at byte ", at,
                           " claiming ", object_size, " bytes, but ", left,
                           " bytes remain in the collection; libhdf5 would never return from reading it"));
    }
    at += static_cast<size_t>(step);
  }
}

}  // namespace

void check_global_heaps(const unsigned char* bytes, size_t size, const std::string& path) {
  const size_t lengths = size_of_lengths(bytes, size);
  const unsigned char* at = bytes;
  const unsigned char* const end = bytes + size;
  while (at + 8 <= end) {
    const void* found = memmem(at, static_cast<size_t>(end - at), "GCOL", 4);
    if (found == nullptr) return;
    const auto* signature = static_cast<const unsigned char*>(found);
    // libhdf5 checks the signature and version 1 only (not the reserved bytes), so this does too. A chance
    // match inside float32 weights needs a value of magnitude >= 128 ('C' or 'G' or 'O' as the exponent
    // byte) followed by the version byte: a chance under 2^-40 per byte, and only then is a file refused.
    if (signature + 8 <= end && signature[4] == 1) {
      walk_collection(bytes, size, static_cast<size_t>(signature - bytes), lengths, path);
    }
    at = signature + 1;
  }
}

void check_global_heaps_in_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw InputError(str("cannot open '", path, "' to check it: ", std::strerror(errno)));
  struct stat info {};
  if (::fstat(fd, &info) != 0 || info.st_size <= 0) {
    ::close(fd);
    return;  // HDF5 opened it, so this is a race with a writer or an empty file; HDF5 reports either
  }
  const size_t size = static_cast<size_t>(info.st_size);
  void* mapped = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  ::close(fd);
  if (mapped == MAP_FAILED) throw Error(str("cannot map '", path, "' to check it: ", std::strerror(errno)));
  try {
    check_global_heaps(static_cast<const unsigned char*>(mapped), size, path);
  } catch (...) {
    ::munmap(mapped, size);
    throw;
  }
  ::munmap(mapped, size);
}

}  // namespace synthview::h5
