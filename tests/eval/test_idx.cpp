#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "eval/idx.h"

using namespace synthview;
using namespace synthview::eval;
namespace fs = std::filesystem;

namespace {

const char* kFashionMnist = "/usr/share/datasets/fashion-mnist";  // Debian's dataset-fashion-mnist

// An IDX file's bytes: magic 0x0000 08 <dims>, big-endian sizes, then the data.
std::string idx_bytes(const std::vector<uint32_t>& sizes, const std::string& data, uint8_t type = 0x08) {
  std::string bytes = {0, 0, char(type), char(sizes.size())};
  for (uint32_t size : sizes) {
    for (int shift = 24; shift >= 0; shift -= 8) bytes.push_back(char((size >> shift) & 0xFF));
  }
  return bytes + data;
}

class IdxFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    folder_ = fs::temp_directory_path() / ("synthview-idx-" + std::to_string(::getpid()) + "-" +
                                           ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(folder_);
  }
  void TearDown() override { fs::remove_all(folder_); }

  std::string write_plain(const std::string& name, const std::string& bytes) {
    const std::string path = (folder_ / name).string();
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
  }
  std::string write_gzip(const std::string& name, const std::string& bytes) {
    const std::string path = (folder_ / name).string();
    gzFile file = gzopen(path.c_str(), "wb");
    EXPECT_EQ(gzwrite(file, bytes.data(), unsigned(bytes.size())), int(bytes.size()));
    gzclose(file);
    return path;
  }

  // Expects read_idx_pair to throw an InputError whose message holds every one of `parts`.
  void expect_input_error(const std::string& images, const std::string& labels, std::vector<std::string> parts) {
    try {
      read_idx_pair(images, labels);
      ADD_FAILURE() << "no error for " << images << " / " << labels;
    } catch (const InputError& error) {
      for (const std::string& part : parts) EXPECT_NE(std::string(error.what()).find(part), std::string::npos)
          << "'" << part << "' missing from: " << error.what();
    }
  }

  fs::path folder_;
  const std::string two_images_ = idx_bytes({2, 2, 3}, std::string("\x00\x01\x02\x03\x04\x05\xFA\xFB\xFC\xFD\xFE\xFF", 12));
  const std::string two_labels_ = idx_bytes({2}, std::string("\x07\x00", 2));
};

}  // namespace

TEST(FashionMnist, TrainSplitMatchesKnownFacts) {
  LabeledImages train = load_fashion_mnist(kFashionMnist, "train");
  ASSERT_EQ(train.images.sizes(), (std::vector<int64_t>{60000, 28, 28}));
  ASSERT_EQ(train.images.scalar_type(), torch::kUInt8);
  ASSERT_EQ(train.labels.scalar_type(), torch::kInt64);
  EXPECT_TRUE(train.labels.bincount().equal(torch::full({10}, 6000, torch::kInt64)));
  // Reference values from an independent reader: /usr/bin/python3 with gzip + struct on the same files
  // (labels[:10]; sum(pixels[:784]); sum(pixels[-784:]); sum of all pixels).
  EXPECT_TRUE(train.labels.narrow(0, 0, 10).equal(torch::tensor({9, 0, 0, 3, 0, 2, 7, 2, 5, 5}, torch::kInt64)));
  EXPECT_EQ(train.images[0].sum().item<int64_t>(), 76247);
  EXPECT_EQ(train.images[59999].sum().item<int64_t>(), 16684);
  EXPECT_EQ(train.images.sum().item<int64_t>(), 3431114169LL);
}

TEST(FashionMnist, TestSplitMatchesKnownFacts) {
  LabeledImages test = load_fashion_mnist(kFashionMnist, "test");
  ASSERT_EQ(test.images.sizes(), (std::vector<int64_t>{10000, 28, 28}));
  EXPECT_TRUE(test.labels.bincount().equal(torch::full({10}, 1000, torch::kInt64)));
  // Same independent python3 gzip + struct reader as above.
  EXPECT_TRUE(test.labels.narrow(0, 0, 10).equal(torch::tensor({9, 2, 1, 1, 6, 1, 4, 6, 5, 7}, torch::kInt64)));
  EXPECT_EQ(test.images[0].sum().item<int64_t>(), 33456);
  EXPECT_EQ(test.images[1].sum().item<int64_t>(), 100994);
  EXPECT_EQ(test.images.sum().item<int64_t>(), 573469082LL);
}

TEST(FashionMnist, UnknownSplitAndMissingFolderAreInputErrors) {
  EXPECT_THROW(load_fashion_mnist(kFashionMnist, "validation"), InputError);
  try {
    load_fashion_mnist("/nonexistent/fmnist", "test");
    ADD_FAILURE() << "no error for a missing folder";
  } catch (const InputError& error) {
    EXPECT_NE(std::string(error.what()).find("/nonexistent/fmnist/t10k-images-idx3-ubyte.gz"), std::string::npos)
        << error.what();
  }
}

TEST_F(IdxFiles, ReadsGzipAndPlainFilesExactly) {
  for (bool gzip : {true, false}) {
    const std::string images = gzip ? write_gzip("i.gz", two_images_) : write_plain("i", two_images_);
    const std::string labels = gzip ? write_gzip("l.gz", two_labels_) : write_plain("l", two_labels_);
    LabeledImages data = read_idx_pair(images, labels);
    ASSERT_EQ(data.images.sizes(), (std::vector<int64_t>{2, 2, 3}));
    EXPECT_EQ(data.images[0][1][2].item<int64_t>(), 5);
    EXPECT_EQ(data.images[1][1][2].item<int64_t>(), 255);
    EXPECT_TRUE(data.labels.equal(torch::tensor({7, 0}, torch::kInt64)));
  }
}

TEST_F(IdxFiles, LoadsFashionMnistNamesFromAFolderOfPlainFiles) {
  write_plain("t10k-images-idx3-ubyte", two_images_);
  write_plain("t10k-labels-idx1-ubyte", two_labels_);
  EXPECT_EQ(load_fashion_mnist(folder_.string(), "test").labels.size(0), 2);
  write_plain("t10k-labels-idx1-ubyte", idx_bytes({2}, std::string("\x0A\x00", 2)));
  EXPECT_THROW(load_fashion_mnist(folder_.string(), "test"), InputError);  // label 10 is not Fashion-MNIST
}

TEST_F(IdxFiles, MissingFile) {
  const std::string labels = write_plain("l", two_labels_);
  expect_input_error((folder_ / "absent").string(), labels, {(folder_ / "absent").string(), "does not exist"});
}

TEST_F(IdxFiles, BadMagic) {
  const std::string labels = write_plain("l", two_labels_);
  expect_input_error(write_plain("wrong-type", idx_bytes({2, 2, 3}, two_images_.substr(16), 0x0D)), labels,
                     {"wrong-type", "bad magic 0x00000d03", "expected 0x00000803"});
  expect_input_error(write_plain("wrong-dims", idx_bytes({2, 6}, two_images_.substr(16))), labels,
                     {"wrong-dims", "bad magic 0x00000802"});
  expect_input_error(write_plain("labels-as-images", two_labels_), labels, {"labels-as-images", "bad magic"});
}

TEST_F(IdxFiles, TruncatedHeaderDataAndGzipStream) {
  const std::string labels = write_plain("l", two_labels_);
  expect_input_error(write_plain("short-header", two_images_.substr(0, 10)), labels, {"short-header", "truncated"});
  expect_input_error(write_plain("short-data", two_images_.substr(0, two_images_.size() - 1)), labels,
                     {"short-data", "truncated", "needs 12 bytes"});
  // A real gzip file cut in half: zlib reports a truncated or corrupt stream; either way the path is named.
  const std::string gz = (fs::path(kFashionMnist) / "t10k-labels-idx1-ubyte.gz").string();
  std::ifstream in(gz, std::ios::binary);
  std::string compressed((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_GT(compressed.size(), 1000u);
  const std::string cut = write_plain("cut-labels.gz", compressed.substr(0, compressed.size() / 2));
  expect_input_error(write_plain("i", idx_bytes({10000, 1, 1}, std::string(10000, '\x01'))), cut, {"cut-labels.gz"});
}

TEST_F(IdxFiles, HugeClaimedSizesFailWithoutAllocatingThem) {
  const std::string labels = write_plain("l", two_labels_);
  // 784 GB claimed, 12 bytes present: truncated, found after reading what is there.
  expect_input_error(write_plain("claims-1e9", idx_bytes({1000000000, 28, 28}, two_images_.substr(16))), labels,
                     {"claims-1e9", "truncated", "needs 784000000000 bytes, found 12"});
  expect_input_error(write_plain("claims-4e9", idx_bytes({4000000000u, 65536, 65536}, "")), labels,
                     {"claims-4e9", "implausible size"});
}

TEST_F(IdxFiles, ClaimOf2To31ImagesIsCheckedAgainstTheFileBeforeAllocating) {
  const std::string labels = write_plain("l", two_labels_);
  const std::string claim = idx_bytes({2147483648u, 1, 1}, two_images_.substr(16));
  expect_input_error(write_plain("claims-2e31", claim), labels,
                     {"claims-2e31", "truncated: the data needs 2147483648 bytes, found 12"});
  // Compressed, the size is unknown until read; deflate's ratio bounds it.
  expect_input_error(write_gzip("claims-2e31.gz", claim), labels,
                     {"claims-2e31.gz", "claims 2147483648 data bytes, more than a gzip file of", "can hold"});
}

TEST_F(IdxFiles, CountMismatchIsFoundFromTheHeadersAlone) {
  // Five images claimed, data for two: the count disagreement is reported, not the truncation, so no
  // data was read before the headers were compared.
  const std::string five = write_gzip("five-images.gz", idx_bytes({5, 2, 3}, two_images_.substr(16)));
  expect_input_error(five, write_gzip("l.gz", two_labels_), {"five-images.gz", "5 images", "2 labels"});
}

TEST_F(IdxFiles, TrailingBytes) {
  expect_input_error(write_plain("long", two_images_ + "x"), write_plain("l", two_labels_), {"long", "bytes after"});
}

TEST_F(IdxFiles, CountMismatchNamesBothFiles) {
  const std::string three_labels = write_plain("three-labels", idx_bytes({3}, std::string("\x01\x02\x03", 3)));
  expect_input_error(write_plain("two-images", two_images_), three_labels,
                     {"two-images", "three-labels", "2 images", "3 labels"});
}
