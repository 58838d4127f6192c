#include "h5/image_buffer.h"

#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "core/error.h"

namespace synthview::h5 {

ImageBuffer::~ImageBuffer() { std::free(data_); }

H5FD_file_image_callbacks_t ImageBuffer::callbacks() {
  return {image_malloc, image_memcpy, image_realloc, image_free, udata_copy, udata_free, this};
}

// A null `current` starts a new file; otherwise it is the buffer HDF5 was given before, whose first
// size_ bytes are kept. Returns nullptr (an HDF5 error, which becomes a thrown Error) on failure.
void* ImageBuffer::resize(void* current, size_t size) {
  if (current != nullptr && current != data_) return nullptr;  // not ours: two files on one buffer
  const size_t keep = current == nullptr ? 0 : std::min(size_, size);
  if (size > capacity_) {
    char* grown = static_cast<char*>(std::malloc(size));
    if (grown == nullptr) return nullptr;
    if (keep > 0) std::memcpy(grown, data_, keep);
    std::free(data_);
    data_ = grown;
    capacity_ = size;
  }
  size_ = size;
  return data_;
}

void* ImageBuffer::image_malloc(size_t size, H5FD_file_image_op_t, void* self) {
  return static_cast<ImageBuffer*>(self)->resize(nullptr, size);
}

void* ImageBuffer::image_memcpy(void* dest, const void* src, size_t size, H5FD_file_image_op_t, void*) {
  return std::memcpy(dest, src, size);
}

void* ImageBuffer::image_realloc(void* ptr, size_t size, H5FD_file_image_op_t, void* self) {
  return static_cast<ImageBuffer*>(self)->resize(ptr, size);
}

// The memory stays: the closed file is read from it, and the next file reuses it.
herr_t ImageBuffer::image_free(void*, H5FD_file_image_op_t, void*) { return 0; }

// The property list's copy of the user data is the buffer itself; it owns nothing.
void* ImageBuffer::udata_copy(void* self) { return self; }
herr_t ImageBuffer::udata_free(void*) { return 0; }

ImageBuffer::Bytes ImageBuffer::closed_file() const {
  // Superblock version 0: signature (8 bytes), version at 8, size of offsets at 13, base address at 24,
  // end-of-file address at 40 (HDF5 file format specification, "Superblock").
  static constexpr unsigned char kSignature[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
  SV_CHECK(data_ != nullptr && size_ >= 56 && std::memcmp(data_, kSignature, 8) == 0,
           "the in-memory HDF5 file holds no superblock (", size_, " bytes)");
  SV_CHECK(data_[8] == 0 && data_[13] == 8, "the in-memory HDF5 file has superblock version ", int(data_[8]),
           " with ", int(data_[13]), "-byte addresses; expected version 0 with 8-byte addresses");
  uint64_t base = 0;
  uint64_t end = 0;
  for (int i = 7; i >= 0; --i) {
    base = (base << 8) | static_cast<unsigned char>(data_[24 + i]);
    end = (end << 8) | static_cast<unsigned char>(data_[40 + i]);
  }
  SV_CHECK(base == 0 && end >= 56 && end <= size_, "the in-memory HDF5 file's superblock gives base ", base,
           " and end of file ", end, " for an image of ", size_, " bytes");
  return {data_, static_cast<size_t>(end)};
}

}  // namespace synthview::h5
