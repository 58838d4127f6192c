// Tensors as HDF5 datasets. Layout, as documented in docs/checkpoint-format.md:
// - shape and element type are the dataset's own (little-endian IEEE floats / two's-complement ints);
// - non-empty tensors are chunked (~1 MiB chunks) with the Fletcher32 filter, so a flipped byte is an
//   error on read rather than a silently wrong value (the writer checksums each chunk itself,
//   h5/fletcher32.h, and stores it with H5Dwrite_chunk: what the filter would have stored);
// - dtypes HDF5 cannot name natively are stored as integers plus a string attribute `torch_dtype`:
//   bool -> uint8 ("bool"), bfloat16 -> uint16 bits ("bfloat16"), float16 -> uint16 bits ("float16");
// - a 0-d tensor is stored as shape [1] (chunked, checksummed) with int attribute `torch_scalar` = 1;
// - an empty tensor (some dimension 0) is stored contiguous without a filter (there is nothing to check).
// Paths are absolute or relative to the root ("/model/encoder/conv1.weight" == "model/encoder/conv1.weight").
#pragma once

#include <torch/torch.h>

#include <string>
#include <vector>

#include "h5/file.h"

namespace synthview::h5 {

// Writes a contiguous CPU copy of `tensor`; creates intermediate groups; replaces an existing dataset.
void write_tensor(File& file, const std::string& dataset_path, const torch::Tensor& tensor);

// Reads a dataset written by write_tensor (or by h5py: any int/float/enum type). Checksums are
// verified; a missing or corrupt dataset is an InputError naming the file and the dataset.
torch::Tensor read_tensor(File& file, const std::string& dataset_path);

// Every dataset below `group`, recursively, named relative to it ("layer1.0.conv1.weight",
// "sub/x"), sorted by std::string order.
std::vector<std::string> list_datasets(File& file, const std::string& group);

// Creates the group (and intermediate groups) unless it exists.
void create_group(File& file, const std::string& group_path);

// True if a link (group or dataset) exists at `path`; "/" always exists.
bool exists(File& file, const std::string& path);

// Splits "a/b/c" (leading '/' optional) into its components.
std::vector<std::string> split_path(const std::string& path);
// "a/b" -> "/a/b"; absolute paths unchanged.
std::string absolute_path(const std::string& path);

}  // namespace synthview::h5
