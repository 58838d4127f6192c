#include "h5/file.h"

#include <filesystem>

#include "core/error.h"

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
  return File(Handle(id, H5Fclose), path);
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
  return File(Handle(id, H5Fclose), path);
}

File File::open_read(const std::string& path) { return open_existing(path, H5F_ACC_RDONLY); }

File File::open_rw(const std::string& path) { return open_existing(path, H5F_ACC_RDWR); }

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
