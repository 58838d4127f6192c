// RAII ownership of one HDF5 identifier and the checks that turn HDF5 failures into exceptions.
// Internal to src/h5/: the public API (h5.h) never hands out raw ownership.
#pragma once

#include <hdf5.h>

#include <string>

namespace synthview::h5 {

// Owns an hid_t and closes it with the matching H5*close in the destructor.
class Handle {
 public:
  using Closer = herr_t (*)(hid_t);
  Handle() = default;
  Handle(hid_t id, Closer closer) : id_(id), closer_(closer) {}
  Handle(Handle&& other) noexcept { *this = std::move(other); }
  Handle& operator=(Handle&& other) noexcept;
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  ~Handle() { reset(); }

  hid_t get() const { return id_; }
  bool valid() const { return id_ >= 0; }
  // Closes now; returns false if HDF5 reported a failure while closing (e.g. a failed flush).
  bool reset();

 private:
  hid_t id_ = -1;
  Closer closer_ = nullptr;
};

// Turns off HDF5's automatic error-stack printing (once per thread); we report errors ourselves.
void silence_hdf5_errors();

// Whether this libhdf5 was built thread-safe (H5is_library_threadsafe): only then may two threads call
// it at once, e.g. a background checkpoint write beside the training thread.
bool library_is_thread_safe();

// The innermost message on HDF5's error stack ("checksum verification failed", ...), "" if none.
std::string hdf5_error_detail();

// Throws Error (or InputError when `bad_input`) if `status` < 0, naming `what`, the object path and
// the file, plus HDF5's own reason. Returns status so it can wrap calls that return ids.
int64_t check(int64_t status, const std::string& what, const std::string& object_path, const std::string& file_path,
              bool bad_input = false);

// check() for calls that create an id: returns it wrapped in a Handle.
Handle checked_handle(hid_t id, Handle::Closer closer, const std::string& what, const std::string& object_path,
                      const std::string& file_path, bool bad_input = false);

}  // namespace synthview::h5
