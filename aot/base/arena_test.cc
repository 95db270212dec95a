#include "aot/base/arena.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace aot {
namespace {

TEST(ArenaTest, AllocationsAreAlignedAndDisjoint) {
  Arena arena;
  std::vector<std::pair<uintptr_t, size_t>> blocks;
  for (int i = 0; i < 2000; ++i) {
    const size_t bytes = 1 + (i * 37) % 300;
    const size_t align = size_t{1} << (i % 5);  // 1..16
    auto p = reinterpret_cast<uintptr_t>(arena.Allocate(bytes, align));
    EXPECT_EQ(p % align, 0u) << "allocation " << i;
    blocks.emplace_back(p, bytes);
  }
  std::sort(blocks.begin(), blocks.end());
  for (size_t i = 1; i < blocks.size(); ++i) {
    EXPECT_GE(blocks[i].first, blocks[i - 1].first + blocks[i - 1].second) << "overlap at " << i;
  }
  EXPECT_GE(arena.bytes_reserved(), 2000u);
}

TEST(ArenaTest, LargeRequestsGetTheirOwnChunk) {
  Arena arena;
  char* small = static_cast<char*>(arena.Allocate(16, 8));
  char* big = static_cast<char*>(arena.Allocate(1 << 20, 16));
  char* small2 = static_cast<char*>(arena.Allocate(16, 8));
  // The big block does not end the current chunk: the next small block
  // follows the first one.
  EXPECT_EQ(small2, small + 16);
  big[0] = 1;
  big[(1 << 20) - 1] = 2;
  EXPECT_GE(arena.bytes_reserved(), size_t{1} << 20);
}

TEST(ArenaTest, NewConstructsInPlace) {
  Arena arena;
  std::string* s = arena.New<std::string>(100, 'x');
  EXPECT_EQ(s->size(), 100u);
  s->~basic_string();
  int* ints = arena.AllocateArray<int>(1000);
  for (int i = 0; i < 1000; ++i) ints[i] = i;
  EXPECT_EQ(ints[999], 999);
}

TEST(ArenaTest, ChunksOfAFreedArenaAreReused) {
  void* first;
  {
    Arena arena;
    first = arena.Allocate(64, 8);
  }
  Arena again;
  // The 4 KiB chunk went back to the pool and comes out again.
  EXPECT_EQ(again.Allocate(64, 8), first);
}

// Past the first 256 KiB chunks, chunks are slices of 2 MiB slabs: a big
// arena's blocks are disjoint and keep what was written to them, and a
// second big arena after the first reuses its slices.
TEST(ArenaTest, BigArenasUseDisjointSlabSlices) {
  constexpr int kBlocks = 6000;
  constexpr size_t kBytes = 1000;  // 6 MB in all: three slabs and more.
  for (int round = 0; round < 2; ++round) {
    Arena arena;
    std::vector<unsigned char*> blocks;
    for (int i = 0; i < kBlocks; ++i) {
      auto* p = static_cast<unsigned char*>(arena.Allocate(kBytes, 8));
      std::fill_n(p, kBytes, static_cast<unsigned char>(i * 7 + round));
      blocks.push_back(p);
    }
    for (int i = 0; i < kBlocks; ++i) {
      for (size_t b : {size_t{0}, kBytes / 2, kBytes - 1}) {
        ASSERT_EQ(blocks[i][b], static_cast<unsigned char>(i * 7 + round)) << "block " << i << " byte " << b;
      }
    }
    EXPECT_GE(arena.bytes_reserved(), kBlocks * kBytes);
  }
}

// The pool keeps what freed arenas give back until released; arenas made
// after a release start from new chunks and work as before.
TEST(ArenaTest, ReleasingThePoolFreesWhatFreedArenasKept) {
  {
    Arena arena;
    for (int i = 0; i < 3000; ++i) arena.Allocate(1000, 8);  // 3 MB: slab slices too.
  }
  EXPECT_GE(ReleaseArenaPool(), size_t{3000} * 1000);
  EXPECT_EQ(ReleaseArenaPool(), 0u);
  Arena arena;
  auto* p = static_cast<unsigned char*>(arena.Allocate(1 << 18, 8));
  std::fill_n(p, 1 << 18, 7);
  auto* q = static_cast<unsigned char*>(arena.Allocate(100, 8));
  std::fill_n(q, 100, 9);
  EXPECT_EQ(p[(1 << 18) - 1], 7);
  EXPECT_EQ(q[99], 9);
}

TEST(ScratchArrayTest, SmallAndLargeArraysHoldWhatIsWritten) {
  for (size_t n : {size_t{1}, size_t{1000}, size_t{3} << 20}) {
    ScratchArray<int64_t> a(n);
    ASSERT_EQ(a.size(), n);
    for (size_t i = 0; i < n; ++i) a[i] = static_cast<int64_t>(i) * 3;
    for (size_t i = 0; i < n; i += 997) ASSERT_EQ(a[i], static_cast<int64_t>(i) * 3);
    EXPECT_EQ(a[n - 1], static_cast<int64_t>(n - 1) * 3);
  }
  ScratchArray<int> empty;
  EXPECT_EQ(empty.size(), 0u);
  EXPECT_EQ(ScratchArray<int>(0).data(), nullptr);
}

// A large array's block is kept: the next array of the same rounded size
// reuses it, one of another size does not get it.
TEST(ScratchArrayTest, LargeBlocksAreReusedAndReleased) {
  ReleaseArenaPool();
  const size_t n = (size_t{6} << 20) / sizeof(int);  // 6 MiB.
  const int* first;
  {
    ScratchArray<int> a(n);
    first = a.data();
    EXPECT_EQ(reinterpret_cast<uintptr_t>(first) % (size_t{2} << 20), 0u);  // Huge-page aligned.
  }
  {
    ScratchArray<int> smaller(n - 1000);
    EXPECT_EQ(smaller.data(), first);
    ScratchArray<int> tiny(n / 12);  // 512 KiB: malloc, not cached.
    EXPECT_NE(tiny.data(), first);
  }
  {
    ScratchArray<int> much_smaller(n / 6);  // 1 MiB: another size, not the 6 MiB block.
    EXPECT_NE(much_smaller.data(), first);
  }
  EXPECT_EQ(ReleaseArenaPool(), size_t{7} << 20);  // The 6 MiB and the 1 MiB block.
  EXPECT_EQ(ReleaseArenaPool(), 0u);
}

TEST(ScratchArrayTest, MovingHandsOverTheBlock) {
  ScratchArray<double> a(size_t{1} << 18);  // 2 MiB.
  a[5] = 2.5;
  double* data = a.data();
  ScratchArray<double> b(std::move(a));
  EXPECT_EQ(b.data(), data);
  EXPECT_EQ(b[5], 2.5);
  EXPECT_EQ(a.size(), 0u);  // NOLINT(bugprone-use-after-move): moved-from is empty.
  ScratchArray<double> c(10);
  c = std::move(b);
  EXPECT_EQ(c.data(), data);
  EXPECT_EQ(c.size(), size_t{1} << 18);
}

}  // namespace
}  // namespace aot
