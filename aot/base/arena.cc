#include "aot/base/arena.h"

#include <mutex>

namespace aot {
namespace {

// Freed chunks of the standard sizes, by size class (4 KiB << class).
class ChunkPool {
 public:
  static constexpr int kClasses = 7;  // 4 KiB .. 256 KiB
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
    delete[] p;
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
    chunks_.push_back({new char[bytes], bytes});
    bytes_reserved_ += bytes;
    return chunks_.back().data;
  }
  char* data = ChunkPool::Get().Take(size);
  if (data == nullptr) data = new char[size];
  chunks_.push_back({data, size});
  bytes_reserved_ += size;
  ptr_ = data + bytes;
  end_ = data + size;
  return data;
}

}  // namespace aot
