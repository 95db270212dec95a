// A cache of large memory blocks by rounded size: what the CPU tensor
// allocator and pass scratch arrays (ScratchArray, arena.h) keep instead of
// handing freed memory back to the system and faulting it in again. See
// Note [Block cache] in block_cache.cc.
//
//   BlockCache cache(/*max_cached=*/size_t{1} << 30);
//   size_t rounded = BlockCache::Round(bytes);
//   void* p = cache.Take(rounded);    // nullptr if the system has no memory
//   ...
//   cache.Give(p, rounded);           // kept for the next Take(rounded)
#ifndef AOT_BASE_BLOCK_CACHE_H_
#define AOT_BASE_BLOCK_CACHE_H_

#include <cstddef>
#include <mutex>
#include <vector>

#include "absl/container/flat_hash_map.h"

namespace aot {

class BlockCache {
 public:
  // Blocks of at least this many bytes (rounded) are cached; smaller ones
  // come from and go back to malloc, which has its own free lists.
  static constexpr size_t kMinCached = size_t{1} << 20;

  // Keeps at most `max_cached` bytes of freed blocks.
  explicit BlockCache(size_t max_cached) : max_cached_(max_cached) {}
  BlockCache(const BlockCache&) = delete;
  BlockCache& operator=(const BlockCache&) = delete;
  ~BlockCache() { Empty(); }

  // The size a block for `bytes` has: a multiple of 64 bytes, or of 64 KiB
  // from kMinCached up. Take and Give work on rounded sizes.
  static size_t Round(size_t bytes);

  // Returns a 64-byte aligned block of `rounded` bytes (from Round): a
  // cached one of that size, or a new one (on huge pages from
  // kHugePageBytes up). nullptr if the system has no memory.
  void* Take(size_t rounded);
  // Gives back a block Take returned: kept if large enough and the cache
  // stays within its bound, freed otherwise.
  void Give(void* p, size_t rounded);
  // Frees every cached block; returns their bytes.
  size_t Empty();
  // Bytes of cached (free) blocks.
  size_t cached_bytes() const;

 private:
  const size_t max_cached_;
  mutable std::mutex mu_;
  absl::flat_hash_map<size_t, std::vector<void*>> free_;
  size_t cached_bytes_ = 0;
};

}  // namespace aot

#endif  // AOT_BASE_BLOCK_CACHE_H_
