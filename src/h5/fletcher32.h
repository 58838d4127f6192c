// HDF5's Fletcher32 checksum (H5_checksum_fletcher32, the H5Z_FILTER_FLETCHER32 filter), computed
// without HDF5's serial loop so that write_tensor can checksum chunks itself and hand them to HDF5
// already filtered (H5Dwrite_chunk). The value is bit-identical to HDF5's: big-endian 16-bit words,
// sums folded every 360 words, an odd last byte as the high half of a word. Any HDF5 reader verifies it.
#pragma once

#include <cstddef>
#include <cstdint>

namespace synthview::h5 {

uint32_t fletcher32(const void* data, size_t bytes);

}  // namespace synthview::h5
