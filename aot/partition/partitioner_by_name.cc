#include "aot/partition/partitioner_by_name.h"

#include <string>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "aot/partition/memory_budget.h"
#include "aot/partition/partition.h"

namespace aot::partition {

absl::StatusOr<Partitioner> PartitionerByName(absl::string_view name) {
  if (name == "default") {
    return Partitioner([](const ir::Graph& joint, const JointInfo& info) { return DefaultPartition(joint, info); });
  }
  if (name == "mincut" || name == "min_cut") {
    return Partitioner([](const ir::Graph& joint, const JointInfo& info) { return MinCutPartition(joint, info); });
  }
  absl::string_view rest = name;
  if (absl::ConsumePrefix(&rest, "budget=") || absl::ConsumePrefix(&rest, "memory_budget=")) {
    double budget = 0;
    if (!absl::SimpleAtod(rest, &budget) || !(budget >= 0 && budget <= 1)) {
      return absl::InvalidArgumentError(
          absl::StrCat("partitioner '", name, "': the budget must be a number in [0, 1]"));
    }
    return Partitioner([budget](const ir::Graph& joint, const JointInfo& info) {
      return MemoryBudgetPartition(joint, info, budget);
    });
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown partitioner '", name, "': expected default, mincut or budget=B (B in [0, 1])"));
}

}  // namespace aot::partition
