// The types every partitioner shares: how a joint graph splits (JointInfo),
// and what a partitioner returns (Partition, with its PartitionSummary).
// The partitioners are in partition.h and memory_budget.h.
#ifndef AOT_PARTITION_PARTITION_TYPES_H_
#define AOT_PARTITION_PARTITION_TYPES_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "aot/ir/graph.h"

namespace aot::partition {

// The signature of a joint forward+backward graph: its inputs are
// `num_primals` primals followed by the tangents (one per forward output,
// usually), its outputs `num_fwd_outputs` forward outputs followed by the
// gradients.
struct JointInfo {
  int num_primals = 0;
  int num_fwd_outputs = 0;
};

// What a partition saves and recomputes; tools print it with ToString().
struct PartitionSummary {
  // "default", "min_cut" or "memory_budget".
  std::string partitioner;
  // The saved values: the forward outputs after the user outputs, and the
  // first inputs of the backward, in this order (Note [Saved value order]).
  std::vector<std::string> saved;
  int64_t saved_bytes = 0;
  // The nodes that both graphs compute, in joint-graph order.
  std::vector<std::string> recomputed;
  // Their estimated time in nanoseconds (CostModel; the default model for
  // the partitioners that take none).
  double recompute_cost = 0;
  int num_forward_nodes = 0;
  int num_backward_nodes = 0;
  // memory_budget only: the byte limit the budget gave (-1 otherwise).
  int64_t budget_bytes = -1;

  // Multi-line text:
  //   min_cut: forward 2 nodes, backward 6 nodes
  //     saved 1 value, 48 bytes: primals_1
  //     recomputed 1 node, est. 2.4 ns: cos
  std::string ToString() const;
};

// A joint graph split in two. Running `forward` on the primals gives the
// forward outputs followed by the saved values; running `backward` on the
// saved values followed by the tangents gives the gradients: together they
// compute what the joint graph computes.
struct Partition {
  std::unique_ptr<ir::Graph> forward;
  std::unique_ptr<ir::Graph> backward;
  PartitionSummary summary;
};

}  // namespace aot::partition

#endif  // AOT_PARTITION_PARTITION_TYPES_H_
