#include "aot/ir/passes/dce.h"

#include <vector>

#include "absl/status/status.h"

namespace aot::ir {

absl::StatusOr<bool> DeadCodeElimination::Run(Graph* graph) {
  // One backward sweep: erasing a node drops its operand uses, so by the time
  // the sweep reaches a producer (earlier in SSA order) every user that was
  // going to be removed is gone. Each node is visited once and erasing costs
  // O(operands + results).
  std::vector<Node*> nodes = graph->nodes();
  bool changed = false;
  for (auto it = nodes.rbegin(); it != nodes.rend(); ++it) {
    Node* node = *it;
    // In-place ops write an operand: their effect is visible through it
    // even when their own result is unused.
    if (node->op().is_inplace() || !node->is_dead()) continue;
    absl::Status status = graph->EraseNode(node);
    if (!status.ok()) return status;
    changed = true;
  }
  return changed;
}

}  // namespace aot::ir
