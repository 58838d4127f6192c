// Runs a callable that must throw synthview::InputError (exit code 2) and returns the message,
// so a test can check what the user would read. Records a test failure when nothing is thrown.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "core/error.h"

namespace synthview::test_support {

template <typename Fn>
std::string input_error_message(Fn&& fn) {
  try {
    fn();
  } catch (const InputError& e) {
    EXPECT_EQ(e.code(), ExitCode::kBadInput);
    return e.what();
  }
  ADD_FAILURE() << "expected an InputError";
  return "";
}

}  // namespace synthview::test_support
