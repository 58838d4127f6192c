#include "eval/idx.h"

#include <zlib.h>

#include <filesystem>
#include <iomanip>

#include "core/error.h"

namespace synthview::eval {
namespace {

constexpr uint8_t kUnsignedByteType = 0x08;

// A gzip or plain file opened through zlib, closed on scope exit.
class GzReader {
 public:
  explicit GzReader(const std::string& path) : path_(path) {
    if (!std::filesystem::is_regular_file(path)) {
      throw InputError(str("IDX file '", path, "' does not exist or is not a regular file"));
    }
    file_ = gzopen(path.c_str(), "rb");
    if (file_ == nullptr) throw InputError(str("IDX file '", path, "' cannot be opened"));
  }
  ~GzReader() { gzclose(file_); }
  GzReader(const GzReader&) = delete;
  GzReader& operator=(const GzReader&) = delete;

  // Exactly `count` bytes or an InputError naming what was being read. Grows the buffer chunk by chunk,
  // so a header that claims more data than the file holds fails as truncated instead of allocating it all.
  std::vector<uint8_t> read_exact(int64_t count, const char* what) {
    std::vector<uint8_t> bytes;
    while (static_cast<int64_t>(bytes.size()) < count) {
      const size_t done = bytes.size();
      const int64_t chunk = std::min<int64_t>(count - static_cast<int64_t>(done), int64_t(1) << 26);
      bytes.resize(done + chunk);
      const int got = gzread(file_, bytes.data() + done, static_cast<unsigned>(chunk));
      if (got < 0) {
        int code = 0;
        throw InputError(str("IDX file '", path_, "' is corrupt while reading ", what, ": ", gzerror(file_, &code)));
      }
      if (got == 0) {
        throw InputError(str("IDX file '", path_, "' is truncated: ", what, " needs ", count, " bytes, found ", done));
      }
      bytes.resize(done + got);
    }
    return bytes;
  }

  bool at_end() {
    uint8_t extra = 0;
    return gzread(file_, &extra, 1) == 0;
  }

 private:
  std::string path_;
  gzFile file_ = nullptr;
};

uint32_t big_endian_u32(const uint8_t* bytes) {
  return (uint32_t(bytes[0]) << 24) | (uint32_t(bytes[1]) << 16) | (uint32_t(bytes[2]) << 8) | uint32_t(bytes[3]);
}

std::string hex32(uint32_t value) {
  std::ostringstream out;
  out << "0x" << std::hex << std::setw(8) << std::setfill('0') << value;
  return out.str();
}

// Reads an unsigned-byte IDX file with `expected_dims` dimensions into uint8 [dims...].
torch::Tensor read_idx_ubyte(const std::string& path, int expected_dims) {
  GzReader reader(path);
  const std::vector<uint8_t> magic = reader.read_exact(4, "the magic number");
  const uint32_t expected_magic = (uint32_t(kUnsignedByteType) << 8) | uint32_t(expected_dims);
  if (big_endian_u32(magic.data()) != expected_magic) {
    throw InputError(str("IDX file '", path, "' has bad magic ", hex32(big_endian_u32(magic.data())), ": expected ",
                         hex32(expected_magic), " (unsigned bytes, ", expected_dims, " dims)"));
  }
  const std::vector<uint8_t> header = reader.read_exact(4 * expected_dims, "the dimension sizes");
  std::vector<int64_t> sizes;
  int64_t elements = 1;
  for (int d = 0; d < expected_dims; ++d) {
    sizes.push_back(big_endian_u32(&header[4 * d]));
    if (sizes.back() == 0 || elements > (int64_t(1) << 40) / sizes.back()) {
      throw InputError(str("IDX file '", path, "' has implausible size ", sizes.back(), " in dimension ", d));
    }
    elements *= sizes.back();
  }
  std::vector<uint8_t> data = reader.read_exact(elements, "the data");
  if (!reader.at_end()) throw InputError(str("IDX file '", path, "' has bytes after its ", elements, " data bytes"));
  return torch::from_blob(data.data(), sizes, torch::kUInt8).clone();
}

}  // namespace

LabeledImages read_idx_pair(const std::string& images_path, const std::string& labels_path) {
  torch::Tensor images = read_idx_ubyte(images_path, 3);
  torch::Tensor labels = read_idx_ubyte(labels_path, 1);
  if (images.size(0) != labels.size(0)) {
    throw InputError(str("IDX files disagree: '", images_path, "' holds ", images.size(0), " images but '",
                         labels_path, "' holds ", labels.size(0), " labels"));
  }
  return {images, labels.to(torch::kInt64)};
}

LabeledImages load_fashion_mnist(const std::string& folder, const std::string& split) {
  std::string prefix;
  if (split == "train") {
    prefix = "train";
  } else if (split == "test") {
    prefix = "t10k";
  } else {
    throw InputError(str("unknown Fashion-MNIST split '", split, "': expected 'train' or 'test'"));
  }
  // Debian ships the files gzipped; accept unpacked copies as well.
  auto locate = [&](const std::string& name) {
    const std::filesystem::path gz = std::filesystem::path(folder) / (name + ".gz");
    const std::filesystem::path plain = std::filesystem::path(folder) / name;
    return (!std::filesystem::exists(gz) && std::filesystem::exists(plain)) ? plain.string() : gz.string();
  };
  const std::string labels_path = locate(prefix + "-labels-idx1-ubyte");
  LabeledImages data = read_idx_pair(locate(prefix + "-images-idx3-ubyte"), labels_path);
  if (data.labels.numel() > 0 && data.labels.max().item<int64_t>() > 9) {
    throw InputError(str("Fashion-MNIST labels in '", labels_path, "' go up to ", data.labels.max().item<int64_t>(),
                         ": expected 0..9"));
  }
  return data;
}

}  // namespace synthview::eval
