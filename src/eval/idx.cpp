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

  // True when zlib reads the file as is (no gzip header); known once something has been read.
  bool is_plain() { return gzdirect(file_) == 1; }

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

// Deflate expands at most about 1032:1, so a gzip file of n bytes holds at most this many times n.
constexpr int64_t kMaxGzipRatio = 1032;

// An unsigned-byte IDX file with `expected_dims` dimensions whose header has been read and checked
// against the file's size, so nothing is allocated for data the file cannot hold.
class IdxFile {
 public:
  IdxFile(const std::string& path, int expected_dims) : path_(path), reader_(path) {
    const std::vector<uint8_t> magic = reader_.read_exact(4, "the magic number");
    const uint32_t expected_magic = (uint32_t(kUnsignedByteType) << 8) | uint32_t(expected_dims);
    if (big_endian_u32(magic.data()) != expected_magic) {
      throw InputError(str("IDX file '", path, "' has bad magic ", hex32(big_endian_u32(magic.data())), ": expected ",
                           hex32(expected_magic), " (unsigned bytes, ", expected_dims, " dims)"));
    }
    const std::vector<uint8_t> header = reader_.read_exact(4 * expected_dims, "the dimension sizes");
    for (int d = 0; d < expected_dims; ++d) {
      sizes_.push_back(big_endian_u32(&header[4 * d]));
      if (sizes_.back() == 0 || elements_ > (int64_t(1) << 40) / sizes_.back()) {
        throw InputError(str("IDX file '", path, "' has implausible size ", sizes_.back(), " in dimension ", d));
      }
      elements_ *= sizes_.back();
    }
    check_against_file_size(4 + 4 * int64_t(expected_dims));
  }

  int64_t count() const { return sizes_[0]; }

  torch::Tensor read_data() {
    std::vector<uint8_t> data = reader_.read_exact(elements_, "the data");
    if (!reader_.at_end()) throw InputError(str("IDX file '", path_, "' has bytes after its ", elements_, " data bytes"));
    return torch::from_blob(data.data(), sizes_, torch::kUInt8).clone();
  }

 private:
  // A plain file must hold exactly header + data; a gzip file cannot expand past kMaxGzipRatio.
  void check_against_file_size(int64_t header_bytes) {
    const int64_t file_bytes = static_cast<int64_t>(std::filesystem::file_size(path_));
    if (reader_.is_plain()) {
      const int64_t found = file_bytes - header_bytes;
      if (found < elements_) {
        throw InputError(str("IDX file '", path_, "' is truncated: the data needs ", elements_, " bytes, found ", found));
      }
      if (found > elements_) {
        throw InputError(str("IDX file '", path_, "' has bytes after its ", elements_, " data bytes (",
                             found - elements_, " extra)"));
      }
    } else if (elements_ > kMaxGzipRatio * file_bytes) {
      throw InputError(str("IDX file '", path_, "' claims ", elements_, " data bytes, more than a gzip file of ",
                           file_bytes, " bytes can hold: the header is wrong"));
    }
  }

  std::string path_;
  GzReader reader_;
  std::vector<int64_t> sizes_;
  int64_t elements_ = 1;
};

}  // namespace

LabeledImages read_idx_pair(const std::string& images_path, const std::string& labels_path) {
  // Both headers first: a count mismatch is reported before either file's data is read.
  IdxFile images(images_path, 3);
  IdxFile labels(labels_path, 1);
  if (images.count() != labels.count()) {
    throw InputError(str("IDX files disagree: '", images_path, "' holds ", images.count(), " images but '",
                         labels_path, "' holds ", labels.count(), " labels"));
  }
  torch::Tensor image_data = images.read_data();
  return {image_data, labels.read_data().to(torch::kInt64)};
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
