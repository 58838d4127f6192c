#include "core/allocator.h"

#include <malloc.h>

#include <climits>
#include <cstdlib>

#include "core/error.h"

namespace synthview {

std::string configure_allocator() {
  const char* choice = std::getenv("SYNTHVIEW_ALLOCATOR");
  if (choice != nullptr && std::string(choice) == "system") return "system";
  if (choice != nullptr && *choice != '\0' && std::string(choice) != "keep") {
    throw InputError(str("SYNTHVIEW_ALLOCATOR='", choice, "' (expected keep or system)"));
  }
  // No block gets its own mmap (so none is munmapped on free); the heap top is never trimmed; the
  // heap grows in 64 MiB steps. mallopt only fails on out-of-range values, which these are not.
  const bool applied = mallopt(M_MMAP_MAX, 0) == 1 && mallopt(M_TRIM_THRESHOLD, INT_MAX) == 1 &&
                       mallopt(M_TOP_PAD, 64 << 20) == 1;
  SV_CHECK(applied, "mallopt refused the allocator policy");
  return "keep freed memory";
}

AllocatorStats allocator_stats() {
  struct mallinfo2 info = mallinfo2();
  return AllocatorStats{static_cast<long long>(info.hblks), static_cast<long long>(info.arena)};
}

}  // namespace synthview
