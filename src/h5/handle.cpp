#include "h5/handle.h"

#include "core/error.h"

namespace synthview::h5 {

Handle& Handle::operator=(Handle&& other) noexcept {
  if (this != &other) {
    reset();
    id_ = other.id_;
    closer_ = other.closer_;
    other.id_ = -1;
  }
  return *this;
}

bool Handle::reset() {
  bool ok = true;
  if (id_ >= 0 && closer_ != nullptr) ok = closer_(id_) >= 0;
  id_ = -1;
  return ok;
}

void silence_hdf5_errors() {
  // Per thread: a thread-safe HDF5 keeps one error stack, with its own printing switch, per thread
  // (checkpoints are written on a background thread).
  thread_local bool silenced = false;
  if (!silenced) silenced = H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr) >= 0;
}

namespace {

herr_t keep_innermost(unsigned depth, const H5E_error2_t* error, void* data) {
  // The walk goes from the innermost frame outwards; the first one names the root cause.
  auto* out = static_cast<std::string*>(data);
  if (depth == 0 && error->desc != nullptr) *out = error->desc;
  return 0;
}

}  // namespace

bool library_is_thread_safe() {
  hbool_t thread_safe = false;
  return H5is_library_threadsafe(&thread_safe) >= 0 && thread_safe;
}

std::string hdf5_error_detail() {
  std::string detail;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, keep_innermost, &detail);
  H5Eclear2(H5E_DEFAULT);
  return detail;
}

int64_t check(int64_t status, const std::string& what, const std::string& object_path, const std::string& file_path,
              bool bad_input) {
  if (status >= 0) return status;
  std::string detail = hdf5_error_detail();
  std::string message = str("HDF5: ", what, " failed for '", object_path, "' in '", file_path, "'",
                            detail.empty() ? "" : str(" (", detail, ")"));
  if (bad_input) throw InputError(message);
  throw Error(message);
}

Handle checked_handle(hid_t id, Handle::Closer closer, const std::string& what, const std::string& object_path,
                      const std::string& file_path, bool bad_input) {
  check(id, what, object_path, file_path, bad_input);
  return Handle(id, closer);
}

}  // namespace synthview::h5
