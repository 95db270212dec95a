// Partitioners as values, chosen by name: what command-line tools and
// examples take as --partitioner=NAME, and what aot_function takes as
// AotConfig::partition_fn.
//
//   AOT_ASSIGN_OR_RETURN(Partitioner p, PartitionerByName("budget=0.3"));
//   AOT_ASSIGN_OR_RETURN(Partition parts, p(*joint, info));
#ifndef AOT_PARTITION_PARTITIONER_BY_NAME_H_
#define AOT_PARTITION_PARTITIONER_BY_NAME_H_

#include <functional>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "aot/ir/graph.h"
#include "aot/partition/partition_types.h"

namespace aot::partition {

// Splits a joint graph (partition_types.h).
using Partitioner = std::function<absl::StatusOr<Partition>(const ir::Graph& joint, const JointInfo& info)>;

// Returns the partitioner named `name`: "default" (DefaultPartition),
// "mincut" or "min_cut" (MinCutPartition with the default policy), or
// "budget=B" / "memory_budget=B" (MemoryBudgetPartition with B in [0, 1]).
// InvalidArgument, listing the names, for anything else.
absl::StatusOr<Partitioner> PartitionerByName(absl::string_view name);

}  // namespace aot::partition

#endif  // AOT_PARTITION_PARTITIONER_BY_NAME_H_
