// Dead-code elimination.
#ifndef AOT_IR_PASSES_DCE_H_
#define AOT_IR_PASSES_DCE_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "aot/ir/graph.h"

namespace aot::ir {

// Removes nodes none of whose results is used (transitively), except nodes
// of in-place ops, which write an operand. Graph inputs are kept even when
// unused (the signature is the caller's). Linear in graph size.
class DeadCodeElimination {
 public:
  absl::string_view name() const { return "dce"; }
  // Returns true if any node was removed.
  absl::StatusOr<bool> Run(Graph* graph);
};

}  // namespace aot::ir

#endif  // AOT_IR_PASSES_DCE_H_
