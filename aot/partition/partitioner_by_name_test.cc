#include "aot/partition/partitioner_by_name.h"

#include "aot/partition/internal/test_graphs.h"
#include "gtest/gtest.h"

namespace aot::partition {
namespace {

TEST(PartitionerByNameTest, NamesPickThePartitioner) {
  internal::JointGraph joint = internal::CosCosJoint();
  for (auto [name, partitioner, saved] : {std::tuple{"default", "default", 2}, std::tuple{"mincut", "min_cut", 1},
                                          std::tuple{"min_cut", "min_cut", 1},
                                          std::tuple{"budget=0", "memory_budget", 1},
                                          std::tuple{"memory_budget=1", "memory_budget", 2}}) {
    SCOPED_TRACE(name);
    absl::StatusOr<Partitioner> p = PartitionerByName(name);
    ASSERT_TRUE(p.ok()) << p.status();
    absl::StatusOr<Partition> parts = (*p)(*joint.graph, joint.info);
    ASSERT_TRUE(parts.ok()) << parts.status();
    EXPECT_EQ(parts->summary.partitioner, partitioner);
    EXPECT_EQ(static_cast<int>(parts->summary.saved.size()), saved);
  }
}

TEST(PartitionerByNameTest, BadNamesAreInvalidArgument) {
  for (const char* name : {"", "fast", "budget=", "budget=1.5", "budget=-0.1", "budget=x"}) {
    SCOPED_TRACE(name);
    EXPECT_EQ(PartitionerByName(name).status().code(), absl::StatusCode::kInvalidArgument);
  }
}

}  // namespace
}  // namespace aot::partition
