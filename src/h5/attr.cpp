#include "h5/attr.h"

#include <algorithm>

#include "core/error.h"
#include "h5/dataset.h"

namespace synthview::h5 {

namespace {

std::string where(File& file, const std::string& object_path, const std::string& name) {
  return str("attribute '", name, "' of '", object_path, "' in '", file.path(), "'");
}

Handle open_object(File& file, const std::string& path, bool create_missing) {
  if (!exists(file, path)) {
    if (!create_missing) throw InputError(str("HDF5 file '", file.path(), "' has no object '", path, "'"));
    create_group(file, path);
  }
  return checked_handle(H5Oopen(file.id(), path.c_str(), H5P_DEFAULT), H5Oclose, "opening object", path, file.path(),
                        !create_missing);
}

// Creates (replacing any previous one) a scalar attribute of `file_type` and writes `data` as `memory_type`.
void write_scalar_attr(File& file, const std::string& object_path, const std::string& name, hid_t file_type,
                       hid_t memory_type, const void* data) {
  const std::string path = absolute_path(object_path);
  Handle object = open_object(file, path, true);
  htri_t present = H5Aexists(object.get(), name.c_str());
  check(present, "H5Aexists", path + "@" + name, file.path());
  if (present > 0) check(H5Adelete(object.get(), name.c_str()), "replacing attribute", path + "@" + name, file.path());
  Handle space = checked_handle(H5Screate(H5S_SCALAR), H5Sclose, "H5Screate", path, file.path());
  Handle attr = checked_handle(H5Acreate2(object.get(), name.c_str(), file_type, space.get(), H5P_DEFAULT, H5P_DEFAULT),
                               H5Aclose, "creating attribute", path + "@" + name, file.path());
  check(H5Awrite(attr.get(), memory_type, data), "writing attribute", path + "@" + name, file.path());
}

Handle string_type() {
  hid_t type = H5Tcopy(H5T_C_S1);
  Handle handle(type, H5Tclose);
  SV_CHECK(type >= 0 && H5Tset_size(type, H5T_VARIABLE) >= 0 && H5Tset_cset(type, H5T_CSET_UTF8) >= 0,
           "cannot build the HDF5 string type");
  return handle;
}

struct OpenAttr {
  Handle attr;
  Handle type;
  H5T_class_t type_class;
};

OpenAttr open_attr(File& file, const std::string& object_path, const std::string& name) {
  const std::string path = absolute_path(object_path);
  Handle object = open_object(file, path, false);
  htri_t present = H5Aexists(object.get(), name.c_str());
  check(present, "H5Aexists", path + "@" + name, file.path(), true);
  if (present == 0) throw InputError(str(where(file, path, name), " is missing"));
  Handle attr = checked_handle(H5Aopen(object.get(), name.c_str(), H5P_DEFAULT), H5Aclose, "opening attribute",
                               path + "@" + name, file.path(), true);
  Handle type = checked_handle(H5Aget_type(attr.get()), H5Tclose, "H5Aget_type", path + "@" + name, file.path(), true);
  H5T_class_t type_class = H5Tget_class(type.get());
  return {std::move(attr), std::move(type), type_class};
}

}  // namespace

void write_attr(File& file, const std::string& object_path, const std::string& name, const std::string& value) {
  Handle type = string_type();
  const char* text = value.c_str();
  write_scalar_attr(file, object_path, name, type.get(), type.get(), &text);
}

void write_attr(File& file, const std::string& object_path, const std::string& name, const char* value) {
  write_attr(file, object_path, name, std::string(value));
}

void write_attr(File& file, const std::string& object_path, const std::string& name, int64_t value) {
  write_scalar_attr(file, object_path, name, H5T_STD_I64LE, H5T_NATIVE_INT64, &value);
}

void write_attr(File& file, const std::string& object_path, const std::string& name, double value) {
  write_scalar_attr(file, object_path, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &value);
}

std::string read_attr_string(File& file, const std::string& object_path, const std::string& name) {
  OpenAttr a = open_attr(file, object_path, name);
  const std::string at = absolute_path(object_path) + "@" + name;
  if (a.type_class != H5T_STRING) throw InputError(str(where(file, object_path, name), " is not a string"));
  htri_t variable = H5Tis_variable_str(a.type.get());
  check(variable, "H5Tis_variable_str", at, file.path(), true);
  if (variable > 0) {
    file.check_global_heaps_once();
    Handle type = string_type();
    char* text = nullptr;
    check(H5Aread(a.attr.get(), type.get(), &text), "reading attribute", at, file.path(), true);
    std::string value = text != nullptr ? text : "";
    Handle space = checked_handle(H5Aget_space(a.attr.get()), H5Sclose, "H5Aget_space", at, file.path(), true);
#if H5_VERSION_GE(1, 12, 0)
    H5Treclaim(type.get(), space.get(), H5P_DEFAULT, &text);
#else
    H5Dvlen_reclaim(type.get(), space.get(), H5P_DEFAULT, &text);
#endif
    return value;
  }
  size_t size = H5Tget_size(a.type.get());  // fixed-length (e.g. written by h5py with np.bytes_)
  std::string value(size, '\0');
  check(H5Aread(a.attr.get(), a.type.get(), value.data()), "reading attribute", at, file.path(), true);
  value.resize(value.find('\0') == std::string::npos ? size : value.find('\0'));
  return value;
}

int64_t read_attr_int(File& file, const std::string& object_path, const std::string& name) {
  OpenAttr a = open_attr(file, object_path, name);
  if (a.type_class != H5T_INTEGER) throw InputError(str(where(file, object_path, name), " is not an integer"));
  int64_t value = 0;
  check(H5Aread(a.attr.get(), H5T_NATIVE_INT64, &value), "reading attribute", absolute_path(object_path) + "@" + name,
        file.path(), true);
  return value;
}

double read_attr_double(File& file, const std::string& object_path, const std::string& name) {
  OpenAttr a = open_attr(file, object_path, name);
  if (a.type_class != H5T_FLOAT && a.type_class != H5T_INTEGER) {
    throw InputError(str(where(file, object_path, name), " is not a number"));
  }
  double value = 0;
  check(H5Aread(a.attr.get(), H5T_NATIVE_DOUBLE, &value), "reading attribute",
        absolute_path(object_path) + "@" + name, file.path(), true);
  return value;
}

bool has_attr(File& file, const std::string& object_path, const std::string& name) {
  const std::string path = absolute_path(object_path);
  if (!exists(file, path)) return false;
  htri_t present = H5Aexists_by_name(file.id(), path.c_str(), name.c_str(), H5P_DEFAULT);
  check(present, "H5Aexists_by_name", path + "@" + name, file.path(), true);
  return present > 0;
}

namespace {

herr_t collect_attr(hid_t, const char* name, const H5A_info_t*, void* data) {
  static_cast<std::vector<std::string>*>(data)->push_back(name);
  return 0;
}

}  // namespace

std::vector<std::string> list_attrs(File& file, const std::string& object_path) {
  const std::string path = absolute_path(object_path);
  Handle object = open_object(file, path, false);
  std::vector<std::string> names;
  hsize_t index = 0;
  check(H5Aiterate2(object.get(), H5_INDEX_NAME, H5_ITER_INC, &index, collect_attr, &names), "listing attributes",
        path, file.path(), true);
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace synthview::h5
