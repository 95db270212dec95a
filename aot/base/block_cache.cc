#include "aot/base/block_cache.h"

#include <algorithm>
#include <cstdlib>

#include "aot/base/huge_pages.h"

namespace aot {
namespace {

// Note [Block cache]
// Blocks of at least kMinCached bytes are rounded up to a multiple of 64 KiB
// and kept, on Give, in a free list per rounded size, up to the cache's
// bound in total (beyond that they go back to the system). Smaller blocks go
// straight to malloc. Blocks of at least kHugePageBytes (rounded) are mapped
// by MapHugePages (Note [Huge pages]) instead of malloc: a 64 MiB tensor then
// faults in 32 huge pages on first touch instead of 16384 small ones (~13 us
// each on the VM this was written on; the first BM_MulScalar_Aot or
// BM_Relu_Aot call of bench:cpu_elementwise_benchmark in a fresh process
// went from 113-131 ms to 4-70 ms, its page faults from 33k to 550).
// Steady-state kernels did not measurably change, the transposed add
// included. The rounded size alone says which way a block came, so Give and
// Empty free it the same way.

// A new block of `rounded` bytes, or nullptr.
void* Map(size_t rounded) {
  if (rounded >= kHugePageBytes) return MapHugePages(rounded);
  return std::aligned_alloc(64, rounded);
}

// Frees a block of `rounded` bytes that Map returned.
void Unmap(void* p, size_t rounded) {
  if (rounded >= kHugePageBytes) {
    UnmapHugePages(p, rounded);
  } else {
    std::free(p);
  }
}

}  // namespace

size_t BlockCache::Round(size_t bytes) {
  size_t b = std::max<size_t>(bytes, 1);
  if (b >= kMinCached) return (b + 65535) / 65536 * 65536;
  return (b + 63) / 64 * 64;
}

void* BlockCache::Take(size_t rounded) {
  if (rounded >= kMinCached) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = free_.find(rounded);
    if (it != free_.end() && !it->second.empty()) {
      void* p = it->second.back();
      it->second.pop_back();
      cached_bytes_ -= rounded;
      return p;
    }
  }
  return Map(rounded);
}

void BlockCache::Give(void* p, size_t rounded) {
  if (rounded >= kMinCached) {
    std::lock_guard<std::mutex> lock(mu_);
    if (cached_bytes_ + rounded <= max_cached_) {
      free_[rounded].push_back(p);
      cached_bytes_ += rounded;
      return;
    }
  }
  Unmap(p, rounded);
}

size_t BlockCache::Empty() {
  std::lock_guard<std::mutex> lock(mu_);
  const size_t bytes = cached_bytes_;
  for (auto& [size, blocks] : free_) {
    for (void* p : blocks) Unmap(p, size);
  }
  free_.clear();
  cached_bytes_ = 0;
  return bytes;
}

size_t BlockCache::cached_bytes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return cached_bytes_;
}

}  // namespace aot
