#include "aot/base/arena.h"

#include <cstdint>
#include <cstdlib>
#include <mutex>
#include <new>

#if defined(__linux__)
#include <sys/mman.h>
#include <unistd.h>
#endif

namespace aot {
namespace {

// Chunks from kHugeChunk up are mapped aligned to it and advised as huge
// pages; smaller ones come from malloc.
constexpr size_t kHugeChunk = size_t{2} << 20;

// Returns a new chunk of `size` bytes (max_align_t aligned). Throws
// std::bad_alloc when out of memory, as operator new does.
char* NewChunk(size_t size) {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  if (size >= kHugeChunk) {
    // Map size + kHugeChunk and unmap the ends, keeping an aligned middle.
    const size_t span = size + kHugeChunk;
    void* m = mmap(nullptr, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) throw std::bad_alloc();
    const uintptr_t base = reinterpret_cast<uintptr_t>(m);
    const uintptr_t aligned = (base + kHugeChunk - 1) & ~(uintptr_t{kHugeChunk} - 1);
    if (aligned > base) munmap(m, aligned - base);
    const uintptr_t end = base + span;
    const uintptr_t page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
    const uintptr_t used_end = (aligned + size + page - 1) & ~(page - 1);
    if (end > used_end) munmap(reinterpret_cast<void*>(used_end), end - used_end);
    madvise(reinterpret_cast<void*>(aligned), size, MADV_HUGEPAGE);  // Advice only: failure is fine.
    return reinterpret_cast<char*>(aligned);
  }
#endif
  void* p = std::malloc(size);
  if (p == nullptr) throw std::bad_alloc();
  return static_cast<char*>(p);
}

void FreeChunk(char* p, size_t size) {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  if (size >= kHugeChunk) {
    munmap(p, size);
    return;
  }
#endif
  std::free(p);
}

// Freed chunks of the standard sizes, by size class (4 KiB << class).
class ChunkPool {
 public:
  static constexpr int kClasses = 10;  // 4 KiB .. 2 MiB
  static constexpr size_t kMaxPooledBytes = size_t{64} << 20;

  static ChunkPool& Get() {
    static ChunkPool* const pool = new ChunkPool;
    return *pool;
  }

  // Returns a pooled chunk of exactly `size` bytes, or nullptr.
  char* Take(size_t size) {
    int c = Class(size);
    if (c < 0) return nullptr;
    std::lock_guard<std::mutex> lock(mu_);
    if (free_[c].empty()) return nullptr;
    char* p = free_[c].back();
    free_[c].pop_back();
    pooled_bytes_ -= size;
    return p;
  }

  // Keeps `p` (of `size` bytes) for reuse, or frees it.
  void Give(char* p, size_t size) {
    int c = Class(size);
    if (c >= 0) {
      std::lock_guard<std::mutex> lock(mu_);
      if (pooled_bytes_ + size <= kMaxPooledBytes) {
        free_[c].push_back(p);
        pooled_bytes_ += size;
        return;
      }
    }
    FreeChunk(p, size);
  }

 private:
  static int Class(size_t size) {
    for (int c = 0; c < kClasses; ++c) {
      if (size == (size_t{4096} << c)) return c;
    }
    return -1;
  }

  std::mutex mu_;
  std::vector<char*> free_[kClasses];
  size_t pooled_bytes_ = 0;
};

}  // namespace

Arena::~Arena() {
  ChunkPool& pool = ChunkPool::Get();
  for (const Chunk& c : chunks_) pool.Give(c.data, c.size);
}

void* Arena::AllocateSlow(size_t bytes) {
  size_t size = next_chunk_;
  if (next_chunk_ < kMaxChunk) next_chunk_ *= 2;
  if (bytes > size / 4) {
    // A large request gets a chunk of its own; the current chunk stays.
    chunks_.push_back({NewChunk(bytes), bytes});
    bytes_reserved_ += bytes;
    return chunks_.back().data;
  }
  char* data = ChunkPool::Get().Take(size);
  if (data == nullptr) data = NewChunk(size);
  chunks_.push_back({data, size});
  bytes_reserved_ += size;
  ptr_ = data + bytes;
  end_ = data + size;
  return data;
}

}  // namespace aot
