#include "h5/file.h"

#include <algorithm>
#include <filesystem>

#include "core/error.h"
#include "h5/global_heap.h"

namespace synthview::h5 {

namespace {

// File access list: strong close semantics so close() really closes (no lingering open objects).
Handle access_plist(const std::string& path, bool creating) {
  Handle fapl = checked_handle(H5Pcreate(H5P_FILE_ACCESS), H5Pclose, "H5Pcreate(file access)", "/", path);
  check(H5Pset_fclose_degree(fapl.get(), H5F_CLOSE_STRONG), "H5Pset_fclose_degree", "/", path);
  if (!creating) return fapl;
  // The 1.8+ file format checksums its metadata (superblock, object headers) too, so corruption
  // outside the data is also detected; h5py and HDF5 >= 1.8 read it.
#if H5_VERSION_GE(1, 10, 2)
  check(H5Pset_libver_bounds(fapl.get(), H5F_LIBVER_V18, H5F_LIBVER_LATEST), "H5Pset_libver_bounds", "/", path);
#else
  check(H5Pset_libver_bounds(fapl.get(), H5F_LIBVER_LATEST, H5F_LIBVER_LATEST), "H5Pset_libver_bounds", "/", path);
#endif
  return fapl;
}

}  // namespace

File File::open_existing(const std::string& path, unsigned flags) {
  silence_hdf5_errors();
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    throw InputError(str("HDF5 file '", path, "' does not exist"));
  }
  if (std::filesystem::is_directory(path, ec)) {
    throw InputError(str("'", path, "' is a directory, expected an HDF5 file"));
  }
  Handle fapl = access_plist(path, false);
  hid_t id = H5Fopen(path.c_str(), flags, fapl.get());
  if (id < 0) {
    std::string detail = hdf5_error_detail();
    throw InputError(str("cannot open '", path, "' as an HDF5 file (", detail.empty() ? "unknown HDF5 error" : detail,
                         "; truncated, corrupt or not HDF5?)"));
  }
  return File(Handle(id, H5Fclose), path, true);
}

File File::create(const std::string& path) {
  silence_hdf5_errors();
  Handle fapl = access_plist(path, true);
  hid_t id = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.get());
  if (id < 0) {
    std::string detail = hdf5_error_detail();
    throw Error(str("cannot create HDF5 file '", path, "' (", detail.empty() ? "unknown HDF5 error" : detail,
                    "; does the folder exist and is it writable?)"));
  }
  return File(Handle(id, H5Fclose), path, false);
}

File File::create_in_memory(const std::string& name, size_t expected_bytes, ImageBuffer* image) {
  silence_hdf5_errors();
  Handle fapl = access_plist(name, true);
  // No backing store, so HDF5 itself never writes to disk. One growth step holds the whole expected
  // image (plus metadata room), so the buffer is rarely reallocated and copied.
  const size_t increment = std::max(size_t(1) << 20, expected_bytes + expected_bytes / 16 + (size_t(1) << 20));
  check(H5Pset_fapl_core(fapl.get(), increment, 0), "H5Pset_fapl_core", "/", name);
  if (image != nullptr) {
    H5FD_file_image_callbacks_t callbacks = image->callbacks();
    check(H5Pset_file_image_callbacks(fapl.get(), &callbacks), "H5Pset_file_image_callbacks", "/", name);
  }
  // The earliest file format: HDF5 before 1.14.7 clears the "open for writing" flags of a newer
  // superblock in the image without recomputing its checksum (HDFGroup/hdf5#1915), so images in the
  // 1.8+ format do not reopen. Dataset contents keep their Fletcher32 checksums either way.
  check(H5Pset_libver_bounds(fapl.get(), H5F_LIBVER_EARLIEST, H5F_LIBVER_V18), "H5Pset_libver_bounds", "/", name);
  hid_t id = H5Fcreate(name.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.get());
  if (id < 0) {
    std::string detail = hdf5_error_detail();
    throw Error(str("cannot create in-memory HDF5 file for '", name, "' (",
                    detail.empty() ? "unknown HDF5 error" : detail, ")"));
  }
  return File(Handle(id, H5Fclose), name, false);
}

std::vector<char> File::image() {
  flush();
  ssize_t size = H5Fget_file_image(handle_.get(), nullptr, 0);
  if (size < 0) throw Error(str("HDF5: H5Fget_file_image failed for '", path_, "' (", hdf5_error_detail(), ")"));
  std::vector<char> bytes(static_cast<size_t>(size));
  if (H5Fget_file_image(handle_.get(), bytes.data(), bytes.size()) != size) {
    throw Error(str("HDF5: H5Fget_file_image returned a short image for '", path_, "'"));
  }
  return bytes;
}

File File::open_read(const std::string& path) { return open_existing(path, H5F_ACC_RDONLY); }

File File::open_rw(const std::string& path) { return open_existing(path, H5F_ACC_RDWR); }

void File::check_global_heaps_once() {
  if (!heaps_unchecked_) return;
  check_global_heaps_in_file(path_);
  heaps_unchecked_ = false;
}

void File::flush() {
  SV_CHECK(handle_.valid(), "flush of closed HDF5 file '", path_, "'");
  check(H5Fflush(handle_.get(), H5F_SCOPE_GLOBAL), "H5Fflush", "/", path_);
}

void File::close() {
  if (!handle_.valid()) return;
  if (!handle_.reset()) {
    std::string detail = hdf5_error_detail();
    throw Error(str("HDF5: closing '", path_, "' failed", detail.empty() ? "" : str(" (", detail, ")")));
  }
}

}  // namespace synthview::h5
