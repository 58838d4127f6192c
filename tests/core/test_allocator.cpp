// The built-in allocator policy (core/allocator.h): large blocks freed by one step are kept for the
// next instead of being unmapped and faulted in again.
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>

#include "core/allocator.h"
#include "core/error.h"

using namespace synthview;

// AddressSanitizer replaces malloc with its own allocator: glibc's mallopt and mallinfo2 do not apply.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kSanitizedMalloc = true;
#elif defined(__has_feature)
constexpr bool kSanitizedMalloc = __has_feature(address_sanitizer);
#else
constexpr bool kSanitizedMalloc = false;
#endif

TEST(Allocator, KeptPolicyServesLargeBlocksFromTheHeapAndKeepsThem) {
  if (kSanitizedMalloc) GTEST_SKIP() << "ASan build: malloc is ASan's, glibc's mallopt policy cannot apply";
  unsetenv("SYNTHVIEW_ALLOCATOR");
  ASSERT_EQ(configure_allocator(), "keep freed memory");
  const size_t bytes = size_t(96) << 20;  // far above glibc's largest default mmap threshold (32 MiB)
  const AllocatorStats before = allocator_stats();
  for (int step = 0; step < 3; ++step) {
    char* block = static_cast<char*>(std::malloc(bytes));
    ASSERT_NE(block, nullptr);
    std::memset(block, step + 1, bytes);
    EXPECT_EQ(allocator_stats().mmapped_blocks, before.mmapped_blocks) << "step " << step;
    std::free(block);
    // Not trimmed: the heap still holds the block after it was freed...
    EXPECT_GE(allocator_stats().heap_bytes, before.heap_bytes + static_cast<long long>(bytes)) << "step " << step;
  }
  // ...and the same request again reuses it instead of growing the heap.
  const long long after_first = allocator_stats().heap_bytes;
  char* again = static_cast<char*>(std::malloc(bytes));
  EXPECT_EQ(allocator_stats().heap_bytes, after_first);
  std::free(again);
}

TEST(Allocator, UnknownChoiceIsAnInputErrorNamingIt) {
  setenv("SYNTHVIEW_ALLOCATOR", "jemalloc", 1);
  try {
    configure_allocator();
    ADD_FAILURE() << "no error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("'jemalloc'"), std::string::npos) << e.what();
  }
  setenv("SYNTHVIEW_ALLOCATOR", "system", 1);
  EXPECT_EQ(configure_allocator(), "system");
  unsetenv("SYNTHVIEW_ALLOCATOR");
}
