// Anonymous memory mapped at a 2 MiB boundary and advised for transparent
// huge pages (MADV_HUGEPAGE). With THP set to "madvise" or "always" the
// kernel backs each whole 2 MiB of such a mapping with one huge page where
// it has one (small pages otherwise, and for a tail shorter than 2 MiB):
// one page fault instead of 512 on first touch, and one TLB entry instead
// of 512. See Note [Huge pages] in huge_pages.cc.
//
//   void* p = aot::MapHugePages(bytes);     // nullptr if mmap failed
//   ...
//   aot::UnmapHugePages(p, bytes);          // the same byte count
#ifndef AOT_BASE_HUGE_PAGES_H_
#define AOT_BASE_HUGE_PAGES_H_

#include <cstddef>

namespace aot {

// The huge page size these mappings align to.
inline constexpr size_t kHugePageBytes = size_t{2} << 20;

// Maps `bytes` (> 0) of zeroed memory starting at a kHugePageBytes boundary,
// advised for huge pages; returns nullptr where mmap fails.
void* MapHugePages(size_t bytes);

// Unmaps what MapHugePages(bytes) returned (or a whole-page part of it).
void UnmapHugePages(void* p, size_t bytes);

}  // namespace aot

#endif  // AOT_BASE_HUGE_PAGES_H_
