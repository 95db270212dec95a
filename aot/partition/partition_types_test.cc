#include "aot/partition/partition_types.h"

#include "gtest/gtest.h"

namespace aot::partition {
namespace {

TEST(PartitionSummaryTest, PrintsSavedAndRecomputed) {
  PartitionSummary s;
  s.partitioner = "min_cut";
  s.saved = {"mm", "primals_1"};
  s.saved_bytes = 1024;
  s.recomputed = {"relu"};
  s.recompute_cost = 12.5;
  s.num_forward_nodes = 3;
  s.num_backward_nodes = 5;
  EXPECT_EQ(s.ToString(),
            "min_cut: forward 3 nodes, backward 5 nodes\n"
            "  saved 2 values, 1024 bytes: mm, primals_1\n"
            "  recomputed 1 node, est. 12.5 ns: relu\n");
}

TEST(PartitionSummaryTest, PrintsBudgetAndEmptyLists) {
  PartitionSummary s;
  s.partitioner = "memory_budget";
  s.budget_bytes = 100;
  EXPECT_EQ(s.ToString(),
            "memory_budget: forward 0 nodes, backward 0 nodes, budget 100 bytes\n"
            "  saved 0 values, 0 bytes\n"
            "  recomputed 0 nodes, est. 0 ns\n");
}

}  // namespace
}  // namespace aot::partition
