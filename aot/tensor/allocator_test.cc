#include "aot/tensor/allocator.h"

#include "gtest/gtest.h"

namespace aot {
namespace {

TEST(CpuAllocatorTest, CachesLargeBlocksAndKeepsStats) {
  absl::StatusOr<Allocator*> a = GetAllocator(Device::Cpu());
  ASSERT_TRUE(a.ok());
  (*a)->EmptyCache();
  int64_t before = (*a)->stats().allocated_bytes;
  const size_t big = 3 << 20;
  absl::StatusOr<void*> p = (*a)->Allocate(big);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(reinterpret_cast<uintptr_t>(*p) % 64, 0u);
  EXPECT_EQ((*a)->stats().allocated_bytes, before + static_cast<int64_t>(big));
  EXPECT_GE((*a)->stats().peak_bytes, before + static_cast<int64_t>(big));
  (*a)->Deallocate(*p, big);
  EXPECT_EQ((*a)->stats().allocated_bytes, before);
  EXPECT_GE((*a)->stats().reserved_bytes, before + static_cast<int64_t>(big));
  // The same size comes back from the cache.
  absl::StatusOr<void*> q = (*a)->Allocate(big - 100);
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(*q, *p);
  (*a)->Deallocate(*q, big - 100);
  (*a)->EmptyCache();
  EXPECT_EQ((*a)->stats().reserved_bytes, (*a)->stats().allocated_bytes);
}

TEST(CpuAllocatorTest, HugeRequestIsResourceExhausted) {
  absl::StatusOr<Allocator*> a = GetAllocator(Device::Cpu());
  absl::StatusOr<void*> p = (*a)->Allocate(size_t{1} << 62);
  EXPECT_EQ(p.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_NE(p.status().message().find("4611686018427387904 bytes"), absl::string_view::npos) << p.status();
}

TEST(AllocatorRegistryTest, CudaWithoutBackendIsFailedPrecondition) {
  absl::StatusOr<Allocator*> a = GetAllocator(Device::Cuda(0));
  EXPECT_EQ(a.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(a.status().message().find("CUDA backend is not linked in"), absl::string_view::npos);
}

}  // namespace
}  // namespace aot
