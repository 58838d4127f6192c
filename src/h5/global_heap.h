// A pre-flight check of a file's global heaps, the storage of variable-length strings.
//
// libhdf5 1.10 (Debian 12's) loops forever in H5HG_read on a heap collection whose free-space
// object claims 0 bytes (its parser steps by the object's size), so reading a string attribute of
// such a file never returns (fuzz/ckpt/corpus/regression-hdf5-global-heap-hang.h5). Before the first
// variable-length read, each collection in the file is walked the way libhdf5 walks it, and a step
// that would not advance, or would leave the collection, is refused as an InputError.
#pragma once

#include <cstddef>
#include <string>

namespace synthview::h5 {

// Walks every global heap collection ("GCOL", version 1) in `bytes`; throws InputError naming
// `path` and the offending offsets if one is malformed.
void check_global_heaps(const unsigned char* bytes, size_t size, const std::string& path);

// The same for a file on disk, read in blocks of `block_bytes` (tests use small ones to put collections
// across block boundaries).
void check_global_heaps_in_file(const std::string& path, size_t block_bytes = size_t(4) << 20);

}  // namespace synthview::h5
