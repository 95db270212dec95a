#include "aot/partition/partition_types.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace aot::partition {

std::string PartitionSummary::ToString() const {
  std::string out = absl::StrCat(partitioner, ": forward ", num_forward_nodes, " nodes, backward ",
                                 num_backward_nodes, " nodes");
  if (budget_bytes >= 0) absl::StrAppend(&out, ", budget ", budget_bytes, " bytes");
  absl::StrAppend(&out, "\n  saved ", saved.size(), saved.size() == 1 ? " value, " : " values, ", saved_bytes,
                  " bytes");
  if (!saved.empty()) absl::StrAppend(&out, ": ", absl::StrJoin(saved, ", "));
  absl::StrAppend(&out, "\n  recomputed ", recomputed.size(), recomputed.size() == 1 ? " node" : " nodes",
                  absl::StrFormat(", est. %.4g ns", recompute_cost));
  if (!recomputed.empty()) absl::StrAppend(&out, ": ", absl::StrJoin(recomputed, ", "));
  absl::StrAppend(&out, "\n");
  return out;
}

}  // namespace aot::partition
