// Common-subexpression elimination.
#ifndef AOT_IR_PASSES_CSE_H_
#define AOT_IR_PASSES_CSE_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "aot/ir/graph.h"

namespace aot::ir {

// Replaces a node by an earlier node of the same op, operands and attributes,
// and erases it. In-place ops are never merged, nor random ops without an
// explicit seed operand (each draws new numbers); a seeded random op is a
// pure function of its seed and is merged. Linear (expected) in graph size.
class CommonSubexpressionElimination {
 public:
  absl::string_view name() const { return "cse"; }
  // Returns true if any node was replaced.
  absl::StatusOr<bool> Run(Graph* graph);
};

}  // namespace aot::ir

#endif  // AOT_IR_PASSES_CSE_H_
