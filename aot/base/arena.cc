#include "aot/base/arena.h"

#include <sys/mman.h>

#include <cstdint>
#include <mutex>
#include <new>
#include <vector>

#include "aot/base/block_cache.h"
#include "aot/base/huge_pages.h"

namespace aot {
namespace {

// Note [Arena chunks on huge pages]
// The largest chunks (kMaxChunk), which hold nearly all of a big graph,
// are carved from 2 MiB slabs mapped at a 2 MiB boundary and advised for
// transparent huge pages (MapHugePages, Note [Huge pages]: with THP set to
// "madvise" or "always" the kernel backs each slab with one huge page where
// it has one, and with small pages otherwise). On the VM this was written
// on a page fault costs 11-15 us, so a graph's first 2 MiB cost 512 faults (6-7 ms)
// on small pages and one on a huge page; walks over a big graph also miss
// the TLB far less. The first compile of bench:compile_latency's N = 1000
// chain in a fresh process went from 88 ms to 42 ms (medians of 3 isolated
// samples) and its page faults from about 3800 to 1750 (docs/building.md,
// "Compile latency"); the steady state did not change. Where mmap fails,
// 256 KiB chunks are mapped one by one.
constexpr size_t kHugePage = kHugePageBytes;

// A 2 MiB slab on a huge page, or nullptr.
char* MapSlab() { return static_cast<char*>(MapHugePages(kHugePage)); }

// Note [An uncapped chunk pool]
// The pool keeps every chunk a freed arena gives back, and makes a new one
// only when it has none of the size: so the memory it has made is the most
// that arenas held at once (plus slab rounding), never more. It used to free
// what came back past 64 MiB, and at bench:compile_latency's N = 10000 (a
// compile's graphs take about 100 MB of arenas) every compile then mapped
// fresh slabs that the kernel zeroed on first touch: about 22 huge-page
// faults (44 MB zeroed) per compile, none once the pool kept them. A process that
// is done with big graphs gives the pool back with ReleaseArenaPool().

// Chunks of the standard sizes, by size class (4 KiB << class): the freed
// ones kept for reuse, and new ones made.
class ChunkPool {
 public:
  static constexpr int kClasses = 7;  // 4 KiB .. 256 KiB
  static constexpr int kSlabClass = kClasses - 1;
  static_assert((size_t{4096} << kSlabClass) * 8 == kHugePage);

  static ChunkPool& Get() {
    static ChunkPool* const pool = new ChunkPool;
    return *pool;
  }

  // Returns a chunk of `size` bytes (a standard size): a pooled one, a
  // slice of a new slab (the largest size), or a new one.
  char* Take(size_t size) {
    const int c = Class(size);
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (free_[c].empty() && c == kSlabClass) {
        // The slab's other slices go to the pool (never past its cap: the
        // cap is far above one slab).
        if (char* slab = MapSlab(); slab != nullptr) {
          for (size_t off = kHugePage - size; off > 0; off -= size) {
            free_[c].push_back(slab + off);
            pooled_bytes_ += size;
          }
          return slab;
        }
      }
      if (!free_[c].empty()) {
        char* p = free_[c].back();
        free_[c].pop_back();
        pooled_bytes_ -= size;
        return p;
      }
    }
    // The slab class reaches here only where mmap failed, so it must not
    // mix chunks of new[] with slab slices: mapped alone instead.
    if (c == kSlabClass) return MapAlone(size);
    return new char[size];
  }

  // Keeps chunk `p` of standard size `size` for reuse.
  void Give(char* p, size_t size) {
    const int c = Class(size);
    std::lock_guard<std::mutex> lock(mu_);
    free_[c].push_back(p);
    pooled_bytes_ += size;
  }

  // Frees every pooled chunk; returns their bytes.
  size_t Release() {
    std::vector<char*> free[kClasses];
    size_t bytes;
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (int c = 0; c < kClasses; ++c) free[c].swap(free_[c]);
      bytes = pooled_bytes_;
      pooled_bytes_ = 0;
    }
    for (int c = 0; c < kClasses; ++c) {
      const size_t size = size_t{4096} << c;
      for (char* p : free[c]) {
        if (c == kSlabClass) {
          munmap(p, size);  // A slab's slices go one by one (the kernel splits its huge page).
        } else {
          delete[] p;
        }
      }
    }
    return bytes;
  }

 private:
  static int Class(size_t size) {
    for (int c = 0; c < kClasses; ++c) {
      if (size == (size_t{4096} << c)) return c;
    }
    return -1;
  }

  // A chunk of its own mapping, for the slab class where slabs fail.
  static char* MapAlone(size_t size) {
    void* p = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
    return static_cast<char*>(p);
  }

  std::mutex mu_;
  std::vector<char*> free_[kClasses];
  size_t pooled_bytes_ = 0;
};

// Note [Scratch blocks]
// A pass that needs one large table for a while (MaxFlow's arcs: 9.6 MB at
// bench:compile_latency's N = 10000) takes it as a ScratchArray, from a
// BlockCache of its own (Note [Block cache] in block_cache.cc: the CPU
// tensor allocator's mechanism, huge pages from 2 MiB up). From malloc, such
// a block was mapped fresh on the first compile and, after that, lived or
// died with glibc's heap trimming; from the cache the first compile faults
// it in on a handful of huge pages (about 2400 small-page faults fewer at
// 9.6 MB) and a later table of the same rounded size reuses it. The cache
// keeps at most kMaxScratchCached bytes.
constexpr size_t kMaxScratchCached = size_t{256} << 20;

BlockCache& ScratchCache() {
  static BlockCache* const cache = new BlockCache(kMaxScratchCached);
  return *cache;
}

}  // namespace

size_t ReleaseArenaPool() { return ChunkPool::Get().Release() + ScratchCache().Empty(); }

void* TakeScratchBlock(size_t* bytes) {
  *bytes = BlockCache::Round(*bytes);
  void* p = ScratchCache().Take(*bytes);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}

void GiveScratchBlock(void* p, size_t bytes) { ScratchCache().Give(p, bytes); }

Arena::~Arena() {
  ChunkPool& pool = ChunkPool::Get();
  for (const Chunk& c : chunks_) {
    if (c.pooled) {
      pool.Give(c.data, c.size);
    } else {
      delete[] c.data;
    }
  }
}

void* Arena::AllocateSlow(size_t bytes) {
  size_t size = next_chunk_;
  if (next_chunk_ < kMaxChunk) next_chunk_ *= 2;
  if (bytes > size / 4) {
    // A large request gets a chunk of its own; the current chunk stays.
    chunks_.push_back({new char[bytes], bytes, /*pooled=*/false});
    bytes_reserved_ += bytes;
    return chunks_.back().data;
  }
  char* data = ChunkPool::Get().Take(size);
  chunks_.push_back({data, size, /*pooled=*/true});
  bytes_reserved_ += size;
  ptr_ = data + bytes;
  end_ = data + size;
  return data;
}

}  // namespace aot
