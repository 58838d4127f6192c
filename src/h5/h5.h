// The HDF5 layer in one include: File (RAII), tensors as checksummed datasets, scalar attributes.
// Every HDF5 failure becomes synthview::Error (InputError for missing/corrupt input) naming the
// file and the object path; HDF5's own error printing is turned off.
#pragma once

#include "h5/attr.h"
#include "h5/dataset.h"
#include "h5/file.h"
