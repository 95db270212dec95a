#include "aot/base/huge_pages.h"

#include <cstdint>
#include <cstring>

#include "gtest/gtest.h"

namespace aot {
namespace {

TEST(HugePagesTest, MapsAlignedZeroedWritableMemory) {
  for (size_t bytes : {size_t{1}, size_t{4096}, kHugePageBytes, 3 * kHugePageBytes + 65536}) {
    void* p = MapHugePages(bytes);
    ASSERT_NE(p, nullptr) << bytes;
    EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % kHugePageBytes, 0u) << bytes;
    auto* c = static_cast<unsigned char*>(p);
    EXPECT_EQ(c[0], 0);
    EXPECT_EQ(c[bytes - 1], 0);
    std::memset(p, 0xab, bytes);
    EXPECT_EQ(c[bytes / 2], 0xab);
    UnmapHugePages(p, bytes);
  }
}

TEST(HugePagesTest, ZeroBytesIsNull) {
  EXPECT_EQ(MapHugePages(0), nullptr);
  UnmapHugePages(nullptr, 0);  // A no-op.
}

}  // namespace
}  // namespace aot
