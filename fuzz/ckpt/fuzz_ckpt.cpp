// The checkpoint reader behind `ckpt info`, `verify`, `diff` and `--resume`: the input is an HDF5 file.
// Resume also parses the stored config, so that runs too. Note: Debian's libhdf5 is not instrumented;
// a crash inside it is reported with its stack like any other.
#include "ckpt/checkpoint.h"
#include "ckpt/diff.h"
#include "core/config.h"
#include "../contract.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace synthview;
  const std::string path = fuzz::write_input(data, size, "ckpt.h5");
  fuzz::returns_or_input_error([&] { ckpt::verify_checkpoint(path); });
  ckpt::Checkpoint c;
  if (fuzz::returns_or_input_error([&] { c = ckpt::read_checkpoint(path); })) {
    fuzz::returns_or_input_error([&] { config_from_yaml(c.config_yaml, {}, "checkpoint /config"); });
    fuzz::returns_or_input_error([&] { ckpt::diff_checkpoints(c, c, 0, 0); });
  }
  return 0;
}
