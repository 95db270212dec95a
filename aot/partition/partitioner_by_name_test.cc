#include "aot/partition/partitioner_by_name.h"

#include "aot/ir/parser.h"
#include "gtest/gtest.h"

namespace aot::partition {
namespace {

constexpr absl::string_view kCosCos = R"(graph joint(primals_1: f32[4,3], tangents_1: f32[4,3]) {
  cos: f32[4,3] = cos(primals_1)
  cos_1: f32[4,3] = cos(cos)
  sin: f32[4,3] = sin(cos)
  neg: f32[4,3] = neg(sin)
  mul: f32[4,3] = mul(tangents_1, neg)
  sin_1: f32[4,3] = sin(primals_1)
  neg_1: f32[4,3] = neg(sin_1)
  mul_1: f32[4,3] = mul(mul, neg_1)
  return (cos_1, mul_1)
}
)";

TEST(PartitionerByNameTest, NamesPickThePartitioner) {
  absl::StatusOr<std::unique_ptr<ir::Graph>> joint = ir::ParseGraph(kCosCos);
  ASSERT_TRUE(joint.ok()) << joint.status();
  const JointInfo info{.num_primals = 1, .num_fwd_outputs = 1};
  for (auto [name, partitioner, saved] : {std::tuple{"default", "default", 2}, std::tuple{"mincut", "min_cut", 1},
                                          std::tuple{"min_cut", "min_cut", 1},
                                          std::tuple{"budget=0", "memory_budget", 1},
                                          std::tuple{"memory_budget=1", "memory_budget", 2}}) {
    SCOPED_TRACE(name);
    absl::StatusOr<Partitioner> p = PartitionerByName(name);
    ASSERT_TRUE(p.ok()) << p.status();
    absl::StatusOr<Partition> parts = (*p)(**joint, info);
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
