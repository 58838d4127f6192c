// The process's memory policy (issue 16). glibc's default hands large blocks back to the OS after
// each use (mmap/munmap above a threshold, trimming the heap top), and a training step touches
// them again the next step: on virtual machines every such page faults and is cleared, which cost a
// CPU step up to 4x. A training process reaches its working set in the first steps and keeps it, so
// synthview keeps freed memory for reuse instead. SYNTHVIEW_ALLOCATOR=system leaves glibc's policy
// (and any MALLOC_* variables) untouched, for comparisons.
#pragma once

#include <string>

namespace synthview {

// Applies the policy to glibc's malloc; call first thing in main(). Returns what was applied
// ("keep freed memory" or "system"), for the log.
std::string configure_allocator();

struct AllocatorStats {
  long long mmapped_blocks = 0;  // blocks served by their own mmap (each free is an munmap)
  long long heap_bytes = 0;      // bytes obtained from the OS for the heap arenas
};
AllocatorStats allocator_stats();

}  // namespace synthview
