#include "aot/base/huge_pages.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>

namespace aot {

// Note [Huge pages]
// mmap aligns to the 4 KiB page only, so MapHugePages maps 2 MiB more than
// asked, keeps the part that starts at the first 2 MiB boundary and unmaps
// the rest. The advice is a hint: where THP is off, or the kernel has no
// free huge page, the mapping is backed by small pages and works the same.
// Users: the IR arena's slabs (Note [Arena chunks on huge pages]) and the
// large blocks of the block cache (Note [Block cache] in block_cache.cc).
void* MapHugePages(size_t bytes) {
  if (bytes == 0) return nullptr;
  const size_t len = bytes + kHugePageBytes;
  void* p = mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return nullptr;
  const uintptr_t begin = reinterpret_cast<uintptr_t>(p);
  const uintptr_t aligned = (begin + kHugePageBytes - 1) & ~(uintptr_t{kHugePageBytes} - 1);
  // mmap lengths are whole pages: the tail starts at the page after `bytes`.
  static const uintptr_t page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
  const uintptr_t end = (aligned + bytes + page - 1) & ~(page - 1);
  if (aligned > begin) munmap(p, aligned - begin);
  if (begin + len > end) munmap(reinterpret_cast<void*>(end), begin + len - end);
  madvise(reinterpret_cast<void*>(aligned), end - aligned, MADV_HUGEPAGE);
  return reinterpret_cast<void*>(aligned);
}

void UnmapHugePages(void* p, size_t bytes) {
  if (p != nullptr && bytes > 0) munmap(p, bytes);
}

}  // namespace aot
