#include "h5/global_heap.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <vector>

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

// `collection` holds the collection from its signature on: `available` bytes, up to the end of the file.
void walk_collection(const unsigned char* collection, size_t available, size_t start, size_t lengths,
                     const std::string& path) {
  const size_t header = 8 + lengths;         // "GCOL", version, 3 reserved, collection size
  const size_t object_header = 8 + lengths;  // index, reference count, 4 reserved, object size
  if (header > available) return;            // libhdf5 cannot even load it: it fails, it does not loop
  const uint64_t claimed = little_endian(collection + 8, lengths);
  const size_t end = static_cast<size_t>(std::min<uint64_t>(claimed, available));
  size_t at = header;
  while (at < end) {
    if (at + object_header > end) return;  // a tail too small for an object: free space
    const unsigned index = static_cast<unsigned>(little_endian(collection + at, 2));
    const uint64_t object_size = little_endian(collection + at + 8, lengths);
    const uint64_t left = end - at;
    // libhdf5 steps by the free-space object's own size, by header + aligned size for the others.
    uint64_t step = object_size;
    if (index > 0) {
      step = object_size > left ? left + 1 : object_header + (object_size + kAlignment - 1) / kAlignment * kAlignment;
    }
    if (step == 0 || step > left) {
      throw InputError(str("'", path, "' has a corrupt HDF5 global heap (the storage of its variable-length strings): ",
                           "the collection at byte ", start, " holds object ", index, " at byte ", start + at,
                           " claiming ", object_size, " bytes, but ", left,
                           " bytes remain in the collection; libhdf5 would never return from reading it"));
    }
    at += static_cast<size_t>(step);
  }
}

// libhdf5 checks the signature and version 1 only (not the reserved bytes), so this does too. A chance
// match inside float32 weights needs a value of magnitude >= 128 ('C' or 'G' or 'O' as the exponent
// byte) followed by the version byte: a chance under 2^-40 per byte, and only then is a file refused.
bool is_collection_header(const unsigned char* at) { return std::memcmp(at, "GCOL", 4) == 0 && at[4] == 1; }

// Calls found(offset) for every collection signature in bytes [0, size) that has its 8 header bytes
// inside; returns how many trailing bytes could still start one (for a scan that continues).
template <typename Found>
size_t find_collections(const unsigned char* bytes, size_t size, Found&& found) {
  const unsigned char* at = bytes;
  const unsigned char* const end = bytes + size;
  while (at + 8 <= end) {
    const void* match = memmem(at, static_cast<size_t>(end - at), "GCOL", 4);
    if (match == nullptr) break;
    const auto* signature = static_cast<const unsigned char*>(match);
    if (signature + 8 > end) return static_cast<size_t>(end - signature);
    if (is_collection_header(signature)) found(static_cast<size_t>(signature - bytes));
    at = signature + 1;
  }
  return std::min<size_t>(size, 7);
}

// pread of exactly `size` bytes at `offset` (short only at the end of the file).
size_t read_at(int fd, unsigned char* into, size_t size, size_t offset, const std::string& path) {
  size_t done = 0;
  while (done < size) {
    const ssize_t n = ::pread(fd, into + done, size - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw InputError(str("cannot read '", path, "' to check it: ", std::strerror(errno)));
    if (n == 0) break;
    done += static_cast<size_t>(n);
  }
  return done;
}

}  // namespace

void check_global_heaps(const unsigned char* bytes, size_t size, const std::string& path) {
  const size_t lengths = size_of_lengths(bytes, size);
  find_collections(bytes, size, [&](size_t start) {
    walk_collection(bytes + start, size - start, start, lengths, path);
  });
}

// Read in blocks, not mapped: on these VMs each page of a mapping costs a page fault, which made the
// walk cost about 0.3 s on a 190 MB checkpoint (0.13 s read in blocks); copying from the page cache is cheap.
void check_global_heaps_in_file(const std::string& path, size_t block_bytes) {
  struct Fd {
    int fd;
    ~Fd() {
      if (fd >= 0) ::close(fd);
    }
  } file{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (file.fd < 0) throw InputError(str("cannot open '", path, "' to check it: ", std::strerror(errno)));
  struct stat info {};
  if (::fstat(file.fd, &info) != 0 || info.st_size <= 0) return;  // HDF5 opened it; it reports what follows
  const size_t file_size = static_cast<size_t>(info.st_size);

  std::vector<unsigned char> superblocks(std::min<size_t>(file_size, 4096));
  superblocks.resize(read_at(file.fd, superblocks.data(), superblocks.size(), 0, path));
  const size_t lengths = size_of_lengths(superblocks.data(), superblocks.size());

  const size_t kBlock = std::max<size_t>(block_bytes, 1);
  std::vector<unsigned char> block(kBlock + 8);
  std::vector<unsigned char> collection;
  size_t carried = 0;  // bytes kept from the previous block's end, at block[0]
  for (size_t offset = 0; offset < file_size;) {
    const size_t got = read_at(file.fd, block.data() + carried, kBlock, offset, path);
    if (got == 0) break;
    const size_t in_block = carried + got;
    const size_t block_start = offset - carried;
    carried = find_collections(block.data(), in_block, [&](size_t at) {
      const size_t start = block_start + at;
      unsigned char header[16] = {};
      const size_t header_bytes = read_at(file.fd, header, 8 + lengths, start, path);
      if (header_bytes < 8 + lengths) return;
      const uint64_t claimed = little_endian(header + 8, lengths);
      collection.resize(static_cast<size_t>(std::min<uint64_t>(claimed, file_size - start)));
      collection.resize(read_at(file.fd, collection.data(), collection.size(), start, path));
      walk_collection(collection.data(), collection.size(), start, lengths, path);
    });
    std::memmove(block.data(), block.data() + in_block - carried, carried);
    offset += got;
  }
}

}  // namespace synthview::h5
