#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "core/error.h"
#include "h5/fletcher32.h"
#include "h5/h5.h"
#include "temp_dir.h"
#include "../support/file_bytes.h"
#include "../support/input_error.h"

using namespace synthview;
using synthview::test_files::TempDir;

using synthview::test_support::input_error_message;
using synthview::test_support::read_bytes;
using synthview::test_support::write_bytes;

namespace {

void expect_identical(const torch::Tensor& expected, const torch::Tensor& found) {
  EXPECT_EQ(expected.scalar_type(), found.scalar_type());
  EXPECT_EQ(expected.sizes(), found.sizes());
  EXPECT_TRUE(torch::equal(expected, found));
}

}  // namespace

TEST(H5Tensor, RoundTripsEveryDtype) {
  TempDir dir;
  std::vector<std::pair<std::string, torch::Tensor>> tensors = {
      {"f32", torch::randn({3, 4})},
      {"f64", torch::randn({5}, torch::kFloat64)},
      {"i64", torch::tensor({-(int64_t(1) << 60), int64_t(7), int64_t(-3)})},
      {"i32", torch::randint(-1000, 1000, {2, 3, 4}, torch::kInt32)},
      {"i16", torch::randint(-1000, 1000, {6}, torch::kInt16)},
      {"i8", torch::randint(-100, 100, {6}, torch::kInt8)},
      {"u8", torch::randint(0, 256, {7, 2}, torch::kUInt8)},
      {"bool", torch::rand({4, 4}) > 0.5},
      {"bf16", torch::randn({9}).to(torch::kBFloat16)},
      {"f16", torch::randn({2, 5}).to(torch::kFloat16)},
  };
  {
    h5::File file = h5::File::create(dir.file("t.h5"));
    for (const auto& [name, tensor] : tensors) h5::write_tensor(file, "group/" + name, tensor);
    file.close();
  }
  h5::File file = h5::File::open_read(dir.file("t.h5"));
  for (const auto& [name, tensor] : tensors) {
    SCOPED_TRACE(name);
    expect_identical(tensor, h5::read_tensor(file, "/group/" + name));
  }
}

TEST(H5Tensor, ScalarEmptyLargeAndNonContiguous) {
  TempDir dir;
  torch::Tensor scalar = torch::tensor(int64_t(42));
  torch::Tensor empty = torch::empty({0, 3});
  torch::Tensor large = torch::randn({1100, 700});  // several 1 MiB chunks, ragged last chunk
  torch::Tensor strided = torch::arange(24, torch::kFloat32).reshape({4, 6}).t();
  {
    h5::File file = h5::File::create(dir.file("t.h5"));
    h5::write_tensor(file, "scalar", scalar);
    h5::write_tensor(file, "empty", empty);
    h5::write_tensor(file, "large", large);
    h5::write_tensor(file, "strided", strided);
    h5::write_tensor(file, "scalar_f", torch::tensor(2.5));
  }
  h5::File file = h5::File::open_read(dir.file("t.h5"));
  torch::Tensor s = h5::read_tensor(file, "scalar");
  EXPECT_EQ(s.dim(), 0);
  expect_identical(scalar, s);
  expect_identical(empty, h5::read_tensor(file, "empty"));
  expect_identical(large, h5::read_tensor(file, "large"));
  expect_identical(strided.contiguous(), h5::read_tensor(file, "strided"));
  EXPECT_EQ(h5::read_tensor(file, "scalar_f").item<float>(), 2.5f);
}

TEST(H5Tensor, OverwriteReplacesDataset) {
  TempDir dir;
  h5::File file = h5::File::create(dir.file("t.h5"));
  h5::write_tensor(file, "x", torch::ones({3}));
  h5::write_tensor(file, "x", torch::zeros({2, 2}, torch::kInt32));
  expect_identical(torch::zeros({2, 2}, torch::kInt32), h5::read_tensor(file, "x"));
}

TEST(H5Tensor, ListsDatasetsRecursivelySorted) {
  TempDir dir;
  h5::File file = h5::File::create(dir.file("t.h5"));
  for (std::string name : {"/m/layer2.weight", "/m/layer1.0.conv1.weight", "/m/sub/b", "/m/sub/a", "/other/x"}) {
    h5::write_tensor(file, name, torch::zeros({1}));
  }
  h5::write_attr(file, "/m/emptygroup", "note", "groups are not datasets");
  std::vector<std::string> expected = {"layer1.0.conv1.weight", "layer2.weight", "sub/a", "sub/b"};
  EXPECT_EQ(h5::list_datasets(file, "/m"), expected);
  EXPECT_EQ(h5::list_datasets(file, "/").size(), 5u);
  EXPECT_TRUE(h5::exists(file, "/m/sub/a"));
  EXPECT_TRUE(h5::exists(file, "m/sub"));
  EXPECT_TRUE(h5::exists(file, "/"));
  EXPECT_FALSE(h5::exists(file, "/m/nothing/deeper"));
  EXPECT_NE(input_error_message([&] { h5::list_datasets(file, "/missing"); }).find("/missing"), std::string::npos);
}

TEST(H5Attr, RoundTripsAndOverloadsDoTheObviousThing) {
  TempDir dir;
  {
    h5::File file = h5::File::create(dir.file("a.h5"));
    h5::write_attr(file, "/", "text", "hello");  // const char*, not bool
    h5::write_attr(file, "/", "n", 3);           // int, not double
    h5::write_attr(file, "/meta", "big", int64_t(1) << 50);
    h5::write_attr(file, "/meta", "size", size_t(7));
    h5::write_attr(file, "/meta", "lr", 0.125);
    h5::write_attr(file, "/meta", "yaml", std::string("a: 1\nb: [2, 3]\n"));
    h5::write_attr(file, "/meta", "lr", 0.25);  // replaced
    h5::write_tensor(file, "/d", torch::ones({2}));
    h5::write_attr(file, "/d", "unit", "m");
  }
  h5::File file = h5::File::open_read(dir.file("a.h5"));
  EXPECT_EQ(h5::read_attr_string(file, "/", "text"), "hello");
  EXPECT_EQ(h5::read_attr_int(file, "/", "n"), 3);
  EXPECT_EQ(h5::read_attr_int(file, "/meta", "big"), int64_t(1) << 50);
  EXPECT_EQ(h5::read_attr_int(file, "/meta", "size"), 7);
  EXPECT_EQ(h5::read_attr_double(file, "/meta", "lr"), 0.25);
  EXPECT_EQ(h5::read_attr_double(file, "/", "n"), 3.0);
  EXPECT_EQ(h5::read_attr_string(file, "/meta", "yaml"), "a: 1\nb: [2, 3]\n");
  EXPECT_EQ(h5::read_attr_string(file, "/d", "unit"), "m");
  EXPECT_TRUE(h5::has_attr(file, "/meta", "lr"));
  EXPECT_FALSE(h5::has_attr(file, "/meta", "nope"));
  EXPECT_FALSE(h5::has_attr(file, "/nothing", "nope"));
  std::string missing = input_error_message([&] { h5::read_attr_int(file, "/meta", "nope"); });
  EXPECT_NE(missing.find("'nope'"), std::string::npos) << missing;
  EXPECT_NE(missing.find("a.h5"), std::string::npos) << missing;
  std::string wrong = input_error_message([&] { h5::read_attr_int(file, "/meta", "yaml"); });
  EXPECT_NE(wrong.find("not an integer"), std::string::npos) << wrong;
}

TEST(H5File, MissingAndNonHdf5FilesAreInputErrors) {
  TempDir dir;
  std::string missing = input_error_message([&] { h5::File::open_read(dir.file("none.h5")); });
  EXPECT_NE(missing.find("none.h5"), std::string::npos) << missing;
  write_bytes(dir.file("junk.h5"), "this is not an HDF5 file at all, just text\n");
  std::string junk = input_error_message([&] { h5::File::open_read(dir.file("junk.h5")); });
  EXPECT_NE(junk.find("junk.h5"), std::string::npos) << junk;
  h5::File file = h5::File::create(dir.file("t.h5"));
  std::string no_dataset = input_error_message([&] { h5::read_tensor(file, "/a/b"); });
  EXPECT_NE(no_dataset.find("/a/b"), std::string::npos) << no_dataset;
  EXPECT_THROW(h5::File::create(dir.file("no/such/folder/x.h5")), Error);
}

TEST(H5File, FlippedDataByteFailsChecksumNamingDataset) {
  TempDir dir;
  // A distinctive pattern we can find in the raw file: 0x3F800000 (1.0f) repeated.
  torch::Tensor ones = torch::ones({4096});
  {
    h5::File file = h5::File::create(dir.file("c.h5"));
    h5::write_tensor(file, "/model/w", ones);
  }
  std::string bytes = read_bytes(dir.file("c.h5"));
  std::string needle(64, '\0');
  for (size_t i = 0; i < needle.size(); i += 4) needle.replace(i, 4, std::string("\x00\x00\x80\x3f", 4));
  size_t at = bytes.find(needle);
  ASSERT_NE(at, std::string::npos);
  bytes[at + 1000] ^= 0x10;
  write_bytes(dir.file("c.h5"), bytes);
  h5::File file = h5::File::open_read(dir.file("c.h5"));
  std::string message = input_error_message([&] { h5::read_tensor(file, "/model/w"); });
  EXPECT_NE(message.find("/model/w"), std::string::npos) << message;
  EXPECT_NE(message.find("c.h5"), std::string::npos) << message;
}

TEST(H5File, TruncatedFileIsInputError) {
  TempDir dir;
  {
    h5::File file = h5::File::create(dir.file("t.h5"));
    h5::write_tensor(file, "/w", torch::randn({100000}));
  }
  std::string bytes = read_bytes(dir.file("t.h5"));
  write_bytes(dir.file("t.h5"), bytes.substr(0, bytes.size() / 2));
  std::string message = input_error_message([&] {
    h5::File file = h5::File::open_read(dir.file("t.h5"));
    h5::read_tensor(file, "/w");
  });
  EXPECT_NE(message.find("t.h5"), std::string::npos) << message;
}

// HDF5 stores a ragged last chunk at full size; chunks split evenly keep the file close to the payload.
TEST(H5Tensor, ChunkPaddingStaysSmall) {
  TempDir dir;
  torch::Tensor conv = torch::randn({512, 512, 3, 3});  // rows of 18 KiB: 1 MiB does not divide evenly
  torch::Tensor prime_rows = torch::randn({1009, 300});  // no even split: a ragged last chunk
  {
    h5::File file = h5::File::create(dir.file("t.h5"));
    h5::write_tensor(file, "w", conv);
    h5::write_tensor(file, "p", prime_rows);
  }
  {
    h5::File file = h5::File::open_read(dir.file("t.h5"));
    expect_identical(prime_rows, h5::read_tensor(file, "p"));
    expect_identical(conv, h5::read_tensor(file, "w"));
  }
  double payload = double((conv.numel() + prime_rows.numel()) * conv.element_size());
  double file_bytes = double(std::filesystem::file_size(dir.file("t.h5")));
  EXPECT_LT(file_bytes, payload * 1.01 + 64 * 1024) << "payload " << payload;
}

namespace {

// HDF5's H5_checksum_fletcher32 (H5checksum.c), transcribed: the reference for h5::fletcher32.
uint32_t hdf5_fletcher32(const uint8_t* data, size_t bytes) {
  size_t len = bytes / 2;
  uint32_t sum1 = 0, sum2 = 0;
  while (len) {
    size_t tlen = len > 360 ? 360 : len;
    len -= tlen;
    do {
      sum1 += (uint32_t)(((uint16_t)data[0]) << 8) | ((uint16_t)data[1]);
      data += 2;
      sum2 += sum1;
    } while (--tlen);
    sum1 = (sum1 & 0xffff) + (sum1 >> 16);
    sum2 = (sum2 & 0xffff) + (sum2 >> 16);
  }
  if (bytes % 2) {
    sum1 += (uint32_t)(((uint16_t)*data) << 8);
    sum2 += sum1;
    sum1 = (sum1 & 0xffff) + (sum1 >> 16);
    sum2 = (sum2 & 0xffff) + (sum2 >> 16);
  }
  sum1 = (sum1 & 0xffff) + (sum1 >> 16);
  sum2 = (sum2 & 0xffff) + (sum2 >> 16);
  return (sum2 << 16) | sum1;
}

}  // namespace

// Equal to HDF5's own checksum for every length (odd ones, several 360-word blocks, a ragged block) and
// for all-0xff data, where the sums are largest.
TEST(H5Fletcher32, EqualsHdf5sChecksum) {
  torch::Tensor random = torch::randint(0, 256, {5000}, torch::kUInt8);
  std::vector<uint8_t> ones(5000, 0xff);
  for (const uint8_t* data : std::vector<const uint8_t*>{random.data_ptr<uint8_t>(), ones.data()}) {
    for (size_t bytes : {size_t(0), size_t(1), size_t(2), size_t(3), size_t(719), size_t(720), size_t(721),
                         size_t(1441), size_t(4999), size_t(5000)}) {
      SCOPED_TRACE(bytes);
      EXPECT_EQ(h5::fletcher32(data, bytes), hdf5_fletcher32(data, bytes));
    }
  }
}

// Chunks written pre-checksummed read back through HDF5's own Fletcher32 filter: odd byte counts,
// several chunks per dimension split, ragged edge chunks.
TEST(H5Tensor, PrechecksummedChunksPassHdf5sFilter) {
  TempDir dir;
  std::vector<std::pair<std::string, torch::Tensor>> tensors = {
      {"odd_bytes", torch::randint(0, 256, {7}, torch::kUInt8)},
      {"odd_bool", torch::rand({3, 5}) > 0.5},
      {"ragged_rows", torch::randn({1009, 300})},
      {"ragged_inner", torch::randn({3, 270001})},  // a split last dimension: 2 chunks per row
  };
  {
    h5::File file = h5::File::create(dir.file("t.h5"));
    for (const auto& [name, tensor] : tensors) h5::write_tensor(file, name, tensor);
  }
  h5::File file = h5::File::open_read(dir.file("t.h5"));
  for (const auto& [name, tensor] : tensors) {
    SCOPED_TRACE(name);
    expect_identical(tensor, h5::read_tensor(file, name));
  }
}

// The closed file in an ImageBuffer is byte for byte what HDF5's own H5Fget_file_image gives, and a
// second, smaller file reuses the memory instead of allocating.
TEST(H5ImageBuffer, ClosedFileEqualsHdf5sImageAndMemoryIsReused) {
  TempDir dir;
  h5::ImageBuffer buffer;
  const char* first_data = nullptr;
  for (int64_t elements : {int64_t(1) << 20, int64_t(1000)}) {
    const torch::Tensor weights = torch::randn({elements});
    h5::File file = h5::File::create_in_memory("image.h5", size_t(elements) * 4, &buffer);
    h5::write_tensor(file, "/model/weights", weights);
    h5::write_attr(file, "/meta", "format", std::string("synthview-checkpoint"));
    const std::vector<char> reference = file.image();
    file.close();
    const h5::ImageBuffer::Bytes bytes = buffer.closed_file();
    ASSERT_EQ(bytes.size, reference.size());
    EXPECT_EQ(std::string(bytes.data, bytes.size), std::string(reference.begin(), reference.end()));
    if (first_data == nullptr) {
      first_data = bytes.data;
    } else {
      EXPECT_EQ(bytes.data, first_data) << "the smaller file should reuse the buffer";
    }
    const std::string path = dir.file("round-trip.h5");
    write_bytes(path, std::string(bytes.data, bytes.size));
    h5::File back = h5::File::open_read(path);
    EXPECT_TRUE(torch::equal(h5::read_tensor(back, "/model/weights"), weights));
  }
}

TEST(H5ImageBuffer, ClosedFileWithoutAFileIsAnError) {
  h5::ImageBuffer buffer;
  EXPECT_THROW(buffer.closed_file(), Error);
}
