// The IDX reader (eval/idx.h), raw and gzipped. Input: byte 0 picks gzip for the images (bit 0) and the
// labels (bit 1); bytes 1-2 (big-endian) are the length of the images file; the labels file is the rest.
// Gzipping here lets the fuzzer mutate IDX headers, not deflate streams (corrupt streams come from the
// gz seeds, read raw as bit 0 = 0 with a .gz file's bytes).
#include <zlib.h>

#include "eval/idx.h"
#include "../contract.h"

namespace {

std::string write_file(const uint8_t* data, size_t size, bool gzip, const std::string& name) {
  if (!gzip) return synthview::fuzz::write_input(data, size, name);
  const std::string path = synthview::fuzz::write_input(data, 0, name);
  gzFile file = gzopen(path.c_str(), "wb1");
  if (size > 0) gzwrite(file, data, unsigned(size));
  gzclose(file);
  return path;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace synthview;
  if (size < 3) return 0;
  const size_t images_size = std::min<size_t>((size_t(data[1]) << 8) | data[2], size - 3);
  const std::string images = write_file(data + 3, images_size, data[0] & 1, "images");
  const std::string labels = write_file(data + 3 + images_size, size - 3 - images_size, data[0] & 2, "labels");
  eval::LabeledImages read;
  if (fuzz::returns_or_input_error([&] { read = eval::read_idx_pair(images, labels); })) {
    fuzz::require(read.images.dim() == 3 && read.labels.dim() == 1, "wrong ranks");
    fuzz::require(read.images.size(0) == read.labels.size(0), "images and labels disagree in count");
  }
  return 0;
}
