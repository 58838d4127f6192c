#include "h5/dataset.h"

#include <algorithm>
#include <cstring>

#include "core/error.h"
#include "h5/attr.h"
#include "h5/fletcher32.h"

namespace synthview::h5 {

namespace {

constexpr size_t kTargetChunkBytes = size_t(1) << 20;

// How a torch dtype is stored: file type (little-endian; chunks are written as raw host bytes), the
// dtype to write the bits from, and the `torch_dtype` tag for types HDF5 has no name for.
struct Storage {
  hid_t file_type;
  torch::ScalarType bits_dtype;
  std::string tag;
};

Storage storage_for(torch::ScalarType dtype, const std::string& path, const std::string& file) {
  switch (dtype) {
    case torch::kFloat32: return {H5T_IEEE_F32LE, torch::kFloat32, ""};
    case torch::kFloat64: return {H5T_IEEE_F64LE, torch::kFloat64, ""};
    case torch::kInt64: return {H5T_STD_I64LE, torch::kInt64, ""};
    case torch::kInt32: return {H5T_STD_I32LE, torch::kInt32, ""};
    case torch::kInt16: return {H5T_STD_I16LE, torch::kInt16, ""};
    case torch::kInt8: return {H5T_STD_I8LE, torch::kInt8, ""};
    case torch::kUInt8: return {H5T_STD_U8LE, torch::kUInt8, ""};
    case torch::kBool: return {H5T_STD_U8LE, torch::kUInt8, "bool"};
    case torch::kBFloat16: return {H5T_STD_U16LE, torch::kInt16, "bfloat16"};
    case torch::kFloat16: return {H5T_STD_U16LE, torch::kInt16, "float16"};
    default:
      throw Error(str("HDF5: cannot store tensor dtype ", c10::toString(dtype), " at '", path, "' in '", file,
                      "' (supported: float32/64, int8/16/32/64, uint8, bool, bfloat16, float16)"));
  }
}

// Chunk shape of at most about kTargetChunkBytes: whole trailing dimensions while they fit, then an
// even split of the next one (HDF5 stores a ragged last chunk at full size, so equal slices, ideally
// exact divisors, waste least), 1 for the rest.
std::vector<hsize_t> chunk_shape(const std::vector<hsize_t>& dims, size_t element_bytes) {
  std::vector<hsize_t> chunk(dims.size(), 1);
  hsize_t budget = std::max<hsize_t>(1, kTargetChunkBytes / element_bytes);
  for (size_t i = dims.size(); i-- > 0;) {
    if (dims[i] <= budget) {
      chunk[i] = dims[i];
      budget /= dims[i];
    } else {
      hsize_t pieces = (dims[i] + budget - 1) / budget;
      hsize_t exact = pieces;  // prefer a piece count that divides the dimension: no padding at all
      while (exact < 2 * pieces && dims[i] % exact != 0) ++exact;
      if (dims[i] % exact == 0) pieces = exact;
      chunk[i] = (dims[i] + pieces - 1) / pieces;
      break;
    }
  }
  return chunk;
}

// Element type and `torch_dtype` tag of a stored dataset -> the torch dtype and memory type to read with.
struct ReadPlan {
  torch::ScalarType read_dtype;  // what HDF5 converts into
  hid_t memory_type;
  torch::ScalarType final_dtype;  // after reinterpreting/casting
  bool reinterpret;               // bits (view) rather than value conversion
};

ReadPlan plan_read(hid_t type, const std::string& tag, const std::string& path, const std::string& file) {
  if (tag == "bool") return {torch::kUInt8, H5T_NATIVE_UINT8, torch::kBool, false};
  if (tag == "bfloat16") return {torch::kInt16, H5T_NATIVE_UINT16, torch::kBFloat16, true};
  if (tag == "float16") return {torch::kInt16, H5T_NATIVE_UINT16, torch::kFloat16, true};
  if (!tag.empty()) {
    throw InputError(str("dataset '", path, "' in '", file, "' has unknown torch_dtype '", tag, "'"));
  }
  H5T_class_t type_class = H5Tget_class(type);
  size_t size = H5Tget_size(type);
  if (type_class == H5T_FLOAT) {
    if (size == 8) return {torch::kFloat64, H5T_NATIVE_DOUBLE, torch::kFloat64, false};
    if (size == 2) return {torch::kFloat32, H5T_NATIVE_FLOAT, torch::kFloat16, false};
    return {torch::kFloat32, H5T_NATIVE_FLOAT, torch::kFloat32, false};
  }
  if (type_class == H5T_ENUM) {  // h5py stores numpy bool as an int8 enum {FALSE, TRUE}
    return {torch::kUInt8, H5T_NATIVE_UINT8, torch::kBool, false};
  }
  if (type_class == H5T_INTEGER) {
    bool is_signed = H5Tget_sign(type) == H5T_SGN_2;
    if (is_signed) {
      if (size == 1) return {torch::kInt8, H5T_NATIVE_INT8, torch::kInt8, false};
      if (size == 2) return {torch::kInt16, H5T_NATIVE_INT16, torch::kInt16, false};
      if (size == 4) return {torch::kInt32, H5T_NATIVE_INT32, torch::kInt32, false};
      return {torch::kInt64, H5T_NATIVE_INT64, torch::kInt64, false};
    }
    if (size == 1) return {torch::kUInt8, H5T_NATIVE_UINT8, torch::kUInt8, false};
    if (size <= 4) return {torch::kInt64, H5T_NATIVE_INT64, torch::kInt64, false};  // widen: no torch uint16/32
  }
  throw InputError(str("dataset '", path, "' in '", file, "' has an element type torch cannot hold (class ",
                       int(type_class), ", ", size, " bytes)"));
}

// Writes every chunk of `bits` (contiguous, shaped like the dataset) already filtered: the chunk's bytes
// (a ragged edge chunk padded with zeros to the full chunk, as HDF5 stores it) followed by their
// Fletcher32 checksum, little-endian, exactly what the H5Z_FILTER_FLETCHER32 filter produces. This
// skips HDF5's filter pipeline, which copies each chunk twice and checksums it a word at a time.
void write_chunks(hid_t dataset, const torch::Tensor& bits, const std::vector<hsize_t>& chunk, const std::string& path,
                  const std::string& file_path) {
  static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "chunks are written in the host's byte order");
  const size_t rank = chunk.size();
  std::vector<int64_t> chunk_sizes(chunk.begin(), chunk.end());
  size_t chunk_bytes = bits.element_size();
  for (hsize_t size : chunk) chunk_bytes *= size_t(size);
  std::vector<unsigned char> buffer(chunk_bytes + 4);
  std::vector<hsize_t> index(rank, 0), offset(rank, 0);
  while (true) {
    torch::Tensor piece = bits;
    bool ragged = false;
    for (size_t d = 0; d < rank; ++d) {
      offset[d] = index[d] * chunk[d];
      const int64_t length = std::min<int64_t>(chunk_sizes[d], bits.size(int64_t(d)) - int64_t(offset[d]));
      ragged = ragged || length != chunk_sizes[d];
      piece = piece.narrow(int64_t(d), int64_t(offset[d]), length);
    }
    if (ragged) {
      torch::Tensor padded = torch::zeros(chunk_sizes, bits.options());
      torch::Tensor target = padded;
      for (size_t d = 0; d < rank; ++d) target = target.narrow(int64_t(d), 0, piece.size(int64_t(d)));
      target.copy_(piece);
      piece = padded;
    }
    piece = piece.contiguous();
    std::memcpy(buffer.data(), piece.data_ptr(), chunk_bytes);
    const uint32_t checksum = fletcher32(buffer.data(), chunk_bytes);
    for (int byte = 0; byte < 4; ++byte) buffer[chunk_bytes + byte] = (checksum >> (8 * byte)) & 0xff;
    check(H5Dwrite_chunk(dataset, H5P_DEFAULT, 0, offset.data(), buffer.size(), buffer.data()), "writing dataset",
          path, file_path);
    size_t d = rank;  // next chunk, last dimension fastest
    while (d-- > 0) {
      if ((++index[d]) * chunk[d] < hsize_t(bits.size(int64_t(d)))) break;
      index[d] = 0;
    }
    if (d == size_t(-1)) return;
  }
}

// Deflate, the filter h5py and HDF5 tools use, expands at most about 1032:1.
constexpr double kMaxCompressionRatio = 1032;

bool compresses(hid_t dataset) {
  Handle dcpl(H5Dget_create_plist(dataset), H5Pclose);
  if (!dcpl.valid()) return true;  // unknown: allow the larger bound
  const int filters = H5Pget_nfilters(dcpl.get());
  for (int i = 0; i < filters; ++i) {
    unsigned flags = 0;
    size_t elements = 0;
    unsigned config = 0;
    const H5Z_filter_t id = H5Pget_filter2(dcpl.get(), unsigned(i), &flags, &elements, nullptr, 0, nullptr, &config);
    if (id != H5Z_FILTER_FLETCHER32 && id != H5Z_FILTER_SHUFFLE) return true;
  }
  return false;
}

// Checked before allocating: the bytes a dataset's shape claims must fit what the file stores for it
// (the storage size, itself at most the file's size), else a few bytes could ask for terabytes.
void check_shape_against_storage(File& file, hid_t dataset, const std::vector<int64_t>& shape, size_t element_bytes,
                                 const std::string& path) {
  double claimed = double(element_bytes);
  for (int64_t size : shape) claimed *= double(size);
  if (claimed == 0) return;
  hsize_t file_bytes = 0;
  check(H5Fget_filesize(file.id(), &file_bytes), "H5Fget_filesize", path, file.path(), true);
  const double stored = double(std::min<hsize_t>(H5Dget_storage_size(dataset), file_bytes));
  const double ratio = compresses(dataset) ? kMaxCompressionRatio : 1;
  if (claimed > stored * ratio) {
    throw InputError(synthview::str("dataset '", path, "' in '", file.path(), "' claims shape ", c10::IntArrayRef(shape), " (",
                         claimed, " bytes) but the file stores ", stored, " bytes for it: the file is damaged or forged"));
  }
}

Handle open_dataset(File& file, const std::string& path) {
  if (!exists(file, path)) {
    throw InputError(str("HDF5 file '", file.path(), "' has no dataset '", path, "'"));
  }
  return checked_handle(H5Dopen2(file.id(), path.c_str(), H5P_DEFAULT), H5Dclose, "opening dataset", path,
                        file.path(), true);
}

}  // namespace

std::string absolute_path(const std::string& path) {
  return path.empty() || path[0] != '/' ? "/" + path : path;
}

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    if (end > start) parts.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return parts;
}

bool exists(File& file, const std::string& path) {
  std::string prefix;
  for (const auto& part : split_path(path)) {
    prefix += "/" + part;
    htri_t found = H5Lexists(file.id(), prefix.c_str(), H5P_DEFAULT);
    check(found, "H5Lexists", prefix, file.path(), true);
    if (found == 0) return false;
  }
  return true;
}

void create_group(File& file, const std::string& group_path) {
  const std::string path = absolute_path(group_path);
  if (exists(file, path)) return;
  Handle lcpl = checked_handle(H5Pcreate(H5P_LINK_CREATE), H5Pclose, "H5Pcreate(link)", path, file.path());
  check(H5Pset_create_intermediate_group(lcpl.get(), 1), "H5Pset_create_intermediate_group", path, file.path());
  checked_handle(H5Gcreate2(file.id(), path.c_str(), lcpl.get(), H5P_DEFAULT, H5P_DEFAULT), H5Gclose,
                 "creating group", path, file.path());
}

void write_tensor(File& file, const std::string& dataset_path, const torch::Tensor& tensor) {
  const std::string path = absolute_path(dataset_path);
  const std::string& file_path = file.path();
  SV_CHECK(tensor.defined(), "write_tensor of an undefined tensor at '", path, "' in '", file_path, "'");
  Storage storage = storage_for(tensor.scalar_type(), path, file_path);
  torch::Tensor bits = tensor.detach().to(torch::kCPU).contiguous();
  if (tensor.scalar_type() == torch::kBool) bits = bits.to(torch::kUInt8);
  else if (storage.bits_dtype != tensor.scalar_type()) bits = bits.view(storage.bits_dtype);

  const bool scalar = tensor.dim() == 0;
  std::vector<hsize_t> dims;
  for (int64_t size : tensor.sizes()) dims.push_back(static_cast<hsize_t>(size));
  if (scalar) dims = {1};
  const bool empty = tensor.numel() == 0;

  if (exists(file, path)) check(H5Ldelete(file.id(), path.c_str(), H5P_DEFAULT), "replacing dataset", path, file_path);
  Handle space = checked_handle(H5Screate_simple(int(dims.size()), dims.data(), nullptr), H5Sclose,
                                "H5Screate_simple", path, file_path);
  Handle lcpl = checked_handle(H5Pcreate(H5P_LINK_CREATE), H5Pclose, "H5Pcreate(link)", path, file_path);
  check(H5Pset_create_intermediate_group(lcpl.get(), 1), "H5Pset_create_intermediate_group", path, file_path);
  Handle dcpl = checked_handle(H5Pcreate(H5P_DATASET_CREATE), H5Pclose, "H5Pcreate(dataset)", path, file_path);
  std::vector<hsize_t> chunk;
  if (!empty) {
    chunk = chunk_shape(dims, bits.element_size());
    check(H5Pset_chunk(dcpl.get(), int(chunk.size()), chunk.data()), "H5Pset_chunk", path, file_path);
    check(H5Pset_fletcher32(dcpl.get()), "H5Pset_fletcher32", path, file_path);
  }
  Handle dataset = checked_handle(
      H5Dcreate2(file.id(), path.c_str(), storage.file_type, space.get(), lcpl.get(), dcpl.get(), H5P_DEFAULT),
      H5Dclose, "creating dataset", path, file_path);
  if (!empty) {
    write_chunks(dataset.get(), bits.reshape(std::vector<int64_t>(dims.begin(), dims.end())), chunk, path, file_path);
  }
  check(dataset.reset() ? 0 : -1, "closing dataset", path, file_path);
  if (!storage.tag.empty()) write_attr(file, path, "torch_dtype", storage.tag);
  if (scalar) write_attr(file, path, "torch_scalar", int64_t(1));
}

torch::Tensor read_tensor(File& file, const std::string& dataset_path) {
  const std::string path = absolute_path(dataset_path);
  const std::string& file_path = file.path();
  Handle dataset = open_dataset(file, path);
  Handle type = checked_handle(H5Dget_type(dataset.get()), H5Tclose, "H5Dget_type", path, file_path, true);
  Handle space = checked_handle(H5Dget_space(dataset.get()), H5Sclose, "H5Dget_space", path, file_path, true);
  int rank = int(check(H5Sget_simple_extent_ndims(space.get()), "H5Sget_simple_extent_ndims", path, file_path, true));
  std::vector<hsize_t> dims(rank);
  check(H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr), "H5Sget_simple_extent_dims", path, file_path,
        true);
  std::vector<int64_t> shape(dims.begin(), dims.end());

  std::string tag = has_attr(file, path, "torch_dtype") ? read_attr_string(file, path, "torch_dtype") : "";
  ReadPlan plan = plan_read(type.get(), tag, path, file_path);
  check_shape_against_storage(file, dataset.get(), shape, H5Tget_size(type.get()), path);
  torch::Tensor out = torch::empty(shape, torch::TensorOptions().dtype(plan.read_dtype));
  if (out.numel() > 0) {
    check(H5Dread(dataset.get(), plan.memory_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data_ptr()), "reading dataset",
          path, file_path, true);
  }
  if (plan.final_dtype != plan.read_dtype) out = plan.reinterpret ? out.view(plan.final_dtype) : out.to(plan.final_dtype);
  if (has_attr(file, path, "torch_scalar") && read_attr_int(file, path, "torch_scalar") == 1) {
    if (out.numel() != 1) {
      throw InputError(str("dataset '", path, "' in '", file_path, "' is marked torch_scalar but has ", out.numel(),
                           " elements"));
    }
    out = out.reshape({});
  }
  return out;
}

namespace {

herr_t collect_dataset(hid_t group, const char* name, const H5L_info_t* info, void* data) {
  auto* names = static_cast<std::vector<std::string>*>(data);
  if (info->type != H5L_TYPE_HARD) return 0;
  hid_t object = H5Oopen(group, name, H5P_DEFAULT);
  if (object < 0) return -1;
  bool is_dataset = H5Iget_type(object) == H5I_DATASET;
  H5Oclose(object);
  if (is_dataset) names->push_back(name);
  return 0;
}

}  // namespace

std::vector<std::string> list_datasets(File& file, const std::string& group_path) {
  const std::string path = absolute_path(group_path);
  if (!exists(file, path)) {
    throw InputError(str("HDF5 file '", file.path(), "' has no group '", path, "'"));
  }
  Handle group = checked_handle(H5Gopen2(file.id(), path.c_str(), H5P_DEFAULT), H5Gclose, "opening group", path,
                                file.path(), true);
  std::vector<std::string> names;
  check(H5Lvisit(group.get(), H5_INDEX_NAME, H5_ITER_INC, collect_dataset, &names), "listing datasets", path,
        file.path(), true);
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace synthview::h5
