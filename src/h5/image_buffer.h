// Memory for an in-memory HDF5 file (core driver) that outlives the file and serves the next one.
//
// HDF5 grows and frees the image through the callbacks below. At File::close() it writes the finished
// file into this memory (clearing the superblock's open-for-writing flag), so the bytes can go to disk
// from here: no H5Fget_file_image copy, and a buffer kept across checkpoints has its pages mapped
// already, where a fresh image page-faults on every write (docs/performance.md, "Checkpoints").
#pragma once

#include <hdf5.h>

#include <cstddef>

namespace synthview::h5 {

class ImageBuffer {
 public:
  ImageBuffer() = default;
  ~ImageBuffer();
  ImageBuffer(const ImageBuffer&) = delete;
  ImageBuffer& operator=(const ImageBuffer&) = delete;

  // For H5Pset_file_image_callbacks. One file at a time may use the buffer.
  H5FD_file_image_callbacks_t callbacks();

  struct Bytes {
    const char* data;
    size_t size;
  };
  // The file written by the last File::close(): as long as the end-of-file address in its superblock
  // says (version 0, what File::create_in_memory makes). Throws Error if the bytes are not that.
  Bytes closed_file() const;

  size_t capacity() const { return capacity_; }

 private:
  static void* image_malloc(size_t size, H5FD_file_image_op_t op, void* self);
  static void* image_memcpy(void* dest, const void* src, size_t size, H5FD_file_image_op_t op, void* self);
  static void* image_realloc(void* ptr, size_t size, H5FD_file_image_op_t op, void* self);
  static herr_t image_free(void* ptr, H5FD_file_image_op_t op, void* self);
  static void* udata_copy(void* self);
  static herr_t udata_free(void* self);
  void* resize(void* current, size_t size);

  char* data_ = nullptr;
  size_t capacity_ = 0;
  size_t size_ = 0;  // bytes HDF5 last asked for
};

}  // namespace synthview::h5
