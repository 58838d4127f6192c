// Forged HDF5 files (docs/reliability.md): a dataset's shape is checked against the bytes the file
// stores for it before a tensor of that shape is allocated.
#include <gtest/gtest.h>

#include <cstring>
#include <memory>

#include "core/error.h"
#include "h5/global_heap.h"
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

// A float dataset of `dims` whose chunks are never written: HDF5 reads it as fill values, a 4 TB
// tensor from a file of a few KB unless the reader checks.
void create_unwritten(const std::string& path, const std::string& name, std::vector<hsize_t> dims,
                      bool deflate) {
  hid_t file = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  hid_t space = H5Screate_simple(int(dims.size()), dims.data(), nullptr);
  hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
  std::vector<hsize_t> chunk(dims.size(), 1);
  ASSERT_GE(H5Pset_chunk(dcpl, int(chunk.size()), chunk.data()), 0);
  if (deflate) {
    ASSERT_GE(H5Pset_deflate(dcpl, 9), 0);
  }
  hid_t dataset = H5Dcreate2(file, name.c_str(), H5T_IEEE_F32LE, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
  ASSERT_GE(dataset, 0);
  if (deflate) {  // one written chunk: some storage, far too little for the claimed shape
    float value = 0;
    hid_t one = H5Screate_simple(int(dims.size()), chunk.data(), nullptr);
    hid_t file_space = H5Dget_space(dataset);
    std::vector<hsize_t> start(dims.size(), 0);
    H5Sselect_hyperslab(file_space, H5S_SELECT_SET, start.data(), nullptr, chunk.data(), nullptr);
    ASSERT_GE(H5Dwrite(dataset, H5T_NATIVE_FLOAT, one, file_space, H5P_DEFAULT, &value), 0);
    H5Sclose(file_space);
    H5Sclose(one);
  }
  H5Dclose(dataset);
  H5Pclose(dcpl);
  H5Sclose(space);
  H5Fclose(file);
}

}  // namespace

TEST(H5Forged, ShapeLargerThanTheStoredBytesIsRefusedBeforeAllocating) {
  TempDir dir;
  const std::string path = dir.file("forged.h5");
  create_unwritten(path, "/weights", {1000000, 1000000}, false);
  h5::File file = h5::File::open_read(path);
  const std::string message = input_error_message([&] { h5::read_tensor(file, "/weights"); });
  EXPECT_NE(message.find("dataset '/weights' in '" + path + "' claims shape [1000000, 1000000] (4e+12 bytes) but "
                         "the file stores 0 bytes for it"),
            std::string::npos)
      << message;
}

TEST(H5Forged, CompressedDatasetMayExpandOnlyByDeflatesRatio) {
  TempDir dir;
  const std::string path = dir.file("deflated.h5");
  create_unwritten(path, "/weights", {100000, 100000}, true);
  h5::File file = h5::File::open_read(path);
  const std::string message = input_error_message([&] { h5::read_tensor(file, "/weights"); });
  EXPECT_NE(message.find("claims shape [100000, 100000] (4e+10 bytes)"), std::string::npos) << message;
  // An honest compressed dataset (zeros deflate about 1000:1) still reads.
  const std::string honest = dir.file("honest.h5");
  create_unwritten(honest, "/small", {1}, true);
  h5::File small = h5::File::open_read(honest);
  EXPECT_EQ(h5::read_tensor(small, "/small").numel(), 1);
}

namespace {

// Offset of the collection's free-space object (index 0): after the 16-byte header, objects follow
// as 16-byte headers plus data padded to 8 bytes; the string attribute's is the only other one.
size_t free_space_object(const std::string& bytes, size_t collection) {
  size_t at = collection + 16;
  while (bytes[at] != 0 || bytes[at + 1] != 0) {
    uint64_t size = 0;
    std::memcpy(&size, &bytes[at + 8], 8);
    at += 16 + (size + 7) / 8 * 8;
  }
  return at;
}

}  // namespace

// libhdf5 1.10 steps through a global heap by each free-space object's size: a size of 0 made
// H5Aread of a string attribute spin forever (found by fuzz_ckpt). ctest's timeout fails the old code.
TEST(H5Forged, GlobalHeapThatWouldLoopLibhdf5IsRefused) {
  TempDir dir;
  const std::string path = dir.file("heap.h5");
  {
    h5::File file = h5::File::create(path);
    h5::write_attr(file, "/meta", "format", std::string("synthview-checkpoint"));
    file.close();
  }
  EXPECT_EQ(h5::read_attr_string(*std::make_unique<h5::File>(h5::File::open_read(path)), "/meta", "format"),
            "synthview-checkpoint");  // the walk accepts a sound heap
  for (size_t block : {size_t(1), size_t(7), size_t(4096)}) EXPECT_NO_THROW(h5::check_global_heaps_in_file(path, block));

  std::string bytes = read_bytes(path);
  const size_t collection = bytes.find("GCOL");
  ASSERT_NE(collection, std::string::npos) << "variable-length strings are expected in a global heap";
  const size_t free_space = free_space_object(bytes, collection);
  std::memset(&bytes[free_space + 8], 0, 8);
  std::memcpy(&bytes[collection + 5], "GCO", 3);  // libhdf5 ignores the reserved bytes (fuzz_genweights)
  write_bytes(path, bytes);

  h5::File file = h5::File::open_read(path);
  const std::string message = input_error_message([&] { h5::read_attr_string(file, "/meta", "format"); });
  EXPECT_NE(message.find("'" + path + "' has a corrupt HDF5 global heap"), std::string::npos) << message;
  EXPECT_NE(message.find("claiming 0 bytes"), std::string::npos) << message;

  // The file is read in blocks: the same finding wherever the block boundaries fall, and the
  // in-memory walk agrees.
  for (size_t block : {size_t(1), size_t(5), size_t(8), size_t(13), size_t(4096)}) {
    SCOPED_TRACE(block);
    EXPECT_EQ(input_error_message([&] { h5::check_global_heaps_in_file(path, block); }), message);
  }
  EXPECT_EQ(input_error_message([&] {
              h5::check_global_heaps(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), path);
            }),
            message);
}

TEST(H5Forged, GlobalHeapWalkIgnoresTheSignatureInsideData) {
  // "GCOL" in tensor bytes without the version and reserved bytes is not a collection.
  std::vector<unsigned char> bytes(4096, 0xAB);
  std::memcpy(&bytes[1000], "GCOL\x02\x00\x00\x00", 8);
  std::memcpy(&bytes[2000], "GCOLGCOL", 8);
  EXPECT_NO_THROW(h5::check_global_heaps(bytes.data(), bytes.size(), "in-memory"));
}
