// Forged HDF5 files (docs/reliability.md): a dataset's shape is checked against the bytes the file
// stores for it before a tensor of that shape is allocated.
#include <gtest/gtest.h>

#include "core/error.h"
#include "h5/h5.h"
#include "temp_dir.h"
#include "../support/input_error.h"

using namespace synthview;
using synthview::test_files::TempDir;
using synthview::test_support::input_error_message;

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
