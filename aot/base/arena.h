// A bump allocator for objects that live as long as their owner: a Graph
// allocates its nodes, operand slots and result values here, so building a
// graph of N nodes costs a few dozen mallocs instead of several per node, and
// tearing it down frees a few large chunks.
//
//   Arena arena;
//   Foo* foo = arena.New<Foo>(1, 2);   // constructed in place
//   ...
//   foo->~Foo();                        // the owner runs destructors itself
//
// The arena never runs destructors and never reuses memory: a destroyed
// object's bytes stay reserved until the arena goes away. Not thread-safe.
//
// Chunks of the standard sizes (4 KiB doubling to 256 KiB) go back to a
// process-wide pool when the arena goes away, so that building and dropping
// graphs over and over does not hand the same memory back to the operating
// system and fault it in again each time. The pool makes a chunk only when
// it has none to reuse, so it holds at most the most memory that arenas held
// at once; ReleaseArenaPool() gives what it keeps back to the system. The
// 256 KiB chunks, which hold nearly all of a big graph, are slices of 2 MiB
// slabs advised for transparent huge pages (Note [Arena chunks on huge
// pages] in arena.cc). ScratchArray, below, keeps large arrays' blocks for
// reuse in the same way.
#ifndef AOT_BASE_ARENA_H_
#define AOT_BASE_ARENA_H_

#include <cstddef>
#include <cstdint>
#include <new>
#include <type_traits>
#include <utility>
#include <vector>

namespace aot {

// Frees the chunks the process-wide pool keeps (those of arenas already
// gone) and the blocks ScratchArrays already gone left cached, and returns
// their bytes: for a process that is done building big graphs. Arenas alive keep
// theirs; later arenas make new chunks.
size_t ReleaseArenaPool();

// Storage for ScratchArray, from a cache of freed blocks (Note [Scratch
// blocks] in arena.cc); `bytes` is rounded up to what the block holds.
// Throws std::bad_alloc when the system has no memory, as new does.
void* TakeScratchBlock(size_t* bytes);
void GiveScratchBlock(void* p, size_t bytes);

// A fixed-size array of trivial T, uninitialised, for a large table a pass
// fills and drops (MaxFlow's arcs): from a process-wide BlockCache, so that
// running the pass again reuses memory already faulted in (on huge pages)
// instead of taking fresh memory from malloc.
//
//   ScratchArray<Arc> arcs(n);   // arcs[0 .. n) uninitialised
template <typename T>
class ScratchArray {
  static_assert(std::is_trivially_copyable_v<T> && std::is_trivially_destructible_v<T>);
  static_assert(alignof(T) <= alignof(std::max_align_t));

 public:
  ScratchArray() = default;
  explicit ScratchArray(size_t n) : size_(n) {
    if (n == 0) return;
    bytes_ = n * sizeof(T);
    data_ = static_cast<T*>(TakeScratchBlock(&bytes_));
  }
  ScratchArray(const ScratchArray&) = delete;
  ScratchArray& operator=(const ScratchArray&) = delete;
  ScratchArray(ScratchArray&& o) noexcept { *this = std::move(o); }
  ScratchArray& operator=(ScratchArray&& o) noexcept {
    if (this != &o) {
      Free();
      data_ = std::exchange(o.data_, nullptr);
      size_ = std::exchange(o.size_, 0);
      bytes_ = std::exchange(o.bytes_, 0);
    }
    return *this;
  }
  ~ScratchArray() { Free(); }

  size_t size() const { return size_; }
  T* data() { return data_; }
  const T* data() const { return data_; }
  T& operator[](size_t i) { return data_[i]; }
  const T& operator[](size_t i) const { return data_[i]; }

 private:
  void Free() {
    if (data_ != nullptr) GiveScratchBlock(data_, bytes_);
    data_ = nullptr;
    size_ = bytes_ = 0;
  }

  T* data_ = nullptr;
  size_t size_ = 0;
  size_t bytes_ = 0;
};

class Arena {
 public:
  Arena() = default;
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;
  ~Arena();

  // Returns `bytes` bytes aligned to `align` (a power of two at most
  // alignof(std::max_align_t)).
  void* Allocate(size_t bytes, size_t align) {
    uintptr_t p = (reinterpret_cast<uintptr_t>(ptr_) + align - 1) & ~(uintptr_t{align} - 1);
    if (ptr_ == nullptr || p + bytes > reinterpret_cast<uintptr_t>(end_)) return AllocateSlow(bytes);
    ptr_ = reinterpret_cast<char*>(p + bytes);
    return reinterpret_cast<void*>(p);
  }

  // Constructs a T in the arena.
  template <typename T, typename... Args>
  T* New(Args&&... args) {
    return new (Allocate(sizeof(T), alignof(T))) T(std::forward<Args>(args)...);
  }

  // Returns uninitialised storage for `n` objects of type T.
  template <typename T>
  T* AllocateArray(size_t n) {
    return static_cast<T*>(Allocate(sizeof(T) * n, alignof(T)));
  }

  // Bytes held in chunks (used or not).
  size_t bytes_reserved() const { return bytes_reserved_; }

 private:
  static constexpr size_t kMinChunk = 4096;
  static constexpr size_t kMaxChunk = 256 * 1024;

  struct Chunk {
    char* data;
    size_t size;
    bool pooled;  // From the chunk pool (else new[]).
  };

  // Starts a new chunk big enough for `bytes` (chunks are max_align_t
  // aligned, so any supported alignment fits at its start).
  void* AllocateSlow(size_t bytes);

  char* ptr_ = nullptr;
  char* end_ = nullptr;
  size_t next_chunk_ = kMinChunk;
  size_t bytes_reserved_ = 0;
  std::vector<Chunk> chunks_;
};

}  // namespace aot

#endif  // AOT_BASE_ARENA_H_
