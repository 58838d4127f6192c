// Shared by the dist tests: one communicator per test process (MPI is initialised in test_main.cpp) and a
// check that fails the test on EVERY rank when any rank sees a mismatch.
#pragma once

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <memory>
#include <string>

#include "core/error.h"
#include "dist/communicator.h"

namespace synthview::dist::testing {

// The MPI communicator for the tests (60 s watchdog: a test that desynchronises ranks ends, not hangs).
Communicator& comm();
std::shared_ptr<Communicator> comm_ptr();
void release_comm();

// True on every rank iff `ok` is true on every rank.
bool all_ranks_agree(bool ok);

// max|a - b| / max|b| (the error relative to the tensor's scale; infinity when shapes differ).
double max_relative_error(const torch::Tensor& a, const torch::Tensor& b);

}  // namespace synthview::dist::testing

// EXPECT that `ok` holds on every rank; reports this rank's detail when it does not.
#define EXPECT_ON_ALL_RANKS(ok, detail)                                                           \
  do {                                                                                            \
    const bool sv_local_ok_ = (ok);                                                               \
    EXPECT_TRUE(::synthview::dist::testing::all_ranks_agree(sv_local_ok_))                        \
        << "rank " << ::synthview::dist::testing::comm().rank() << (sv_local_ok_ ? " ok" : " FAILED: ") \
        << (sv_local_ok_ ? std::string() : std::string(detail));                                  \
  } while (0)
